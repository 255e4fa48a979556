import * as k8s from "@kubernetes/client-node";
import { defaultStateDir, devPassphrase } from "./dev-stack.ts";
import { removeSqlStandin } from "./sql-standin.ts";
import { stackWorkspace } from "./workspace.ts";

// `npm run down`: destroys the dev stack and the harness's database stand-in (tools/stack/down.sh may then
// stop the local cluster).

const dir = defaultStateDir();
const workspace = await stackWorkspace({ stackName: "dev", dir, passphrase: devPassphrase(dir) });
const started = Date.now();
await workspace.stack.destroy({ onOutput: (text) => process.stdout.write(text) });
const kc = new k8s.KubeConfig();
kc.loadFromDefault();
await removeSqlStandin(kc);
console.log(`\n==> dev stack destroyed (${Math.round((Date.now() - started) / 1000)}s)`);
