import { policyOptions, prepareDevStack } from "../stack/dev-stack.ts";
import { removeSqlStandin } from "../stack/sql-standin.ts";
import { applyDirectly, kubectlFor, namespaceGone } from "./apply-directly.ts";

// The dev stack on the local cluster, two ways, timed to "every app replica healthy" (its /health is green
// only with a real SQL query and a real S3 round trip): `pulumi up` with the policy pack, and the same
// manifests (rendered by the program) applied with kubectl, the floor. Then a no-op up and destroy.
// Prints figures; asserts nothing. Run it through tools/bench/dev-stack.sh (cluster, images, toolchain).

const NAMESPACE = "vsekai-dev";
const kubeconfig = process.env.KUBECONFIG ?? "";
const kubectl = kubectlFor(kubeconfig);

async function healthy(deadlineSeconds: number): Promise<void> {
  const deadline = Date.now() + deadlineSeconds * 1000;
  while (Date.now() < deadline) {
    try {
      const ips = kubectl(
        "-n",
        NAMESPACE,
        "get",
        "pods",
        "-l",
        "app.kubernetes.io/component=server",
        "-o",
        "jsonpath={.items[*].status.podIP}",
      )
        .split(" ")
        .filter(Boolean);
      if (ips.length > 0) {
        const ok = await Promise.all(
          ips.map((ip) =>
            fetch(`http://${ip}:4000/health`, { signal: AbortSignal.timeout(3000) })
              .then((r) => r.status === 200)
              .catch(() => false),
          ),
        );
        if (ok.every(Boolean)) return;
      }
    } catch {
      // not there yet
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`the app was not healthy within ${deadlineSeconds}s`);
}

const seconds = (from: number) => (Date.now() - from) / 1000;

// 1. pulumi up with the policy pack, until healthy.
const dev = await prepareDevStack({ passphrase: "vsekai-bench" });
let started = Date.now();
// When each resource finished, from the engine's events: where the time of an `up` goes.
const finished: { resource: string; at: number }[] = [];
await dev.workspace.stack.up({
  ...policyOptions("dev"),
  onEvent: (event) => {
    const done = event.resOutputsEvent?.metadata;
    if (done !== undefined && done.type.startsWith("kubernetes:")) {
      finished.push({
        resource: `${done.type.split(":").pop()} ${done.urn.split("::").pop()}`,
        at: seconds(started),
      });
    }
  },
});
const upDone = seconds(started);
await healthy(600);
const pulumiHealthy = seconds(started);
started = Date.now();
await dev.workspace.stack.up(policyOptions("dev"));
const noOpUp = seconds(started);
started = Date.now();
await dev.workspace.stack.destroy();
await namespaceGone(kubeconfig, NAMESPACE, 600);
const destroy = seconds(started);

console.log(`database tier: ${dev.sqlTier}`);
console.log(
  `pulumi up (policy pack on): ${upDone.toFixed(1)}s to finish, ${pulumiHealthy.toFixed(1)}s to all replicas healthy`,
);
console.log(`no-op up: ${noOpUp.toFixed(1)}s; destroy (until the namespace is gone): ${destroy.toFixed(1)}s`);
console.log("last to finish in pulumi up (seconds after its start):");
for (const f of finished.sort((a, b) => b.at - a.at).slice(0, 6))
  console.log(`  ${f.at.toFixed(1)}s ${f.resource}`);

// 2. The same manifests applied directly, the floor.
const applyHealthy = await applyDirectly({
  from: dev.workspace.stack,
  stackName: "dev",
  namespace: NAMESPACE,
  kubeconfig,
  ready: () => healthy(600),
});
await removeSqlStandin(dev.kubeConfig);
dev.workspace.cleanup();

console.log(
  `kubectl apply of the same manifests: ${applyHealthy.toFixed(1)}s to all replicas healthy (the floor)`,
);
console.log(`ratio pulumi/kubectl: ${(pulumiHealthy / applyHealthy).toFixed(2)} (target ≤ 1.2)`);
