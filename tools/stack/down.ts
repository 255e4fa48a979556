import * as k8s from "@kubernetes/client-node";
import { defaultStateDir, devPassphrase, HARNESS, localStackFromArgs } from "./dev-stack.ts";
import { removeIngressController } from "./ingress-controller.ts";
import { removeNamespace, removeSqlStandin } from "./sql-standin.ts";
import { stackWorkspace, unprotectAll } from "./workspace.ts";

// `npm run down [-- --stack ha]`: destroys the stack and what the harness ran for it (the database
// stand-in, the ingress controller); tools/stack/down.sh may then stop the local cluster. A protected
// stack (ha, like staging) keeps its namespace and claims through a destroy; `down` deletes them too, so
// the local cluster's volumes are free again: on this machine the stack is made and removed at will.

const stack = localStackFromArgs(process.argv.slice(2).filter((a) => a !== "--stop-cluster"));
const dir = defaultStateDir(stack);
const workspace = await stackWorkspace({ stackName: stack, dir, passphrase: devPassphrase(dir) });
const started = Date.now();
const namespace = (await workspace.stack.outputs()).namespace?.value as string | undefined;
// Outside dev the stack protects what holds data, as staging does; asking for `down` is the decision to
// delete it anyway.
const unprotected = await unprotectAll(workspace.stack);
if (unprotected > 0) console.log(`==> ${stack}: ${unprotected} protected resources unprotected for destroy`);
await workspace.stack.destroy({ onOutput: (text) => process.stdout.write(text) });
const kc = new k8s.KubeConfig();
kc.loadFromDefault();
if (namespace !== undefined) {
  // Gone already after dev's destroy; a protected stack's destroy leaves it (retainOnDelete) with its claims.
  await removeNamespace(kc, namespace, 300);
  console.log(`==> ${stack}: namespace ${namespace} and its claims are gone`);
}
await removeSqlStandin(kc, HARNESS[stack].standinNamespace);
if (HARNESS[stack].ingress) await removeIngressController(kc);
console.log(`\n==> ${stack} stack destroyed (${Math.round((Date.now() - started) / 1000)}s)`);
