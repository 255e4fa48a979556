import { removeIngressController } from "../stack/ingress-controller.ts";
import { HARNESS, policyOptions } from "../stack/dev-stack.ts";
import { removeNamespace, removeSqlStandin } from "../stack/sql-standin.ts";
import { haScenarios, stackWhole, underReplicated } from "../../tests/harness/ha-scenarios.ts";
import { destroyHaStack, HA_STACK, upHaStack } from "../../tests/harness/ha-stack.ts";
import {
  formatTable,
  lost,
  runScenario,
  waitWhole,
  type ScenarioRow,
} from "../../tests/harness/scenarios.ts";
import { formatSummary } from "../../tests/harness/outcomes.ts";
import {
  formatChangeTable,
  HA_CHANGE_NAMES,
  haChanges,
  RELEASES,
  runChange,
  type ChangeRow,
} from "../../tests/harness/ha-changes.ts";
import { applyDirectly } from "./apply-directly.ts";
import { pinnedImage } from "../stack/images.ts";

// `npm run bench:faults`: the HA stack on the local cluster, figures only (the HA integration test asserts
// the invariants). Prints `pulumi up` to whole against the same manifests applied directly, the no-op up,
// one row per fault scenario under load, and one per change shipped with `pulumi up` (tests/harness/ha-changes.ts),
// with the targets beside the figures.

const kubeconfig = process.env.KUBECONFIG ?? "";
const only = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const seconds = (s: number | undefined) => (s === undefined ? "never" : `${s.toFixed(1)} s`);

const ha = await upHaStack({ passphrase: "vsekai-bench-faults" });
// From the start of `pulumi up` (after the harness's stand-in and ingress controller) until whole.
const upWhole = ha.upSeconds + ((await waitWhole(() => stackWhole(ha.context), 600)) ?? Number.NaN);
let t = performance.now();
await ha.stack.workspace.stack.up(policyOptions(HARNESS[HA_STACK].packConfig));
const noOpUp = (performance.now() - t) / 1000;

const rows: ScenarioRow[] = [];
for (const scenario of haScenarios(ha.context)) {
  if (only.length > 0 && !only.some((o) => scenario.name.includes(o))) continue;
  console.log(`==> ${scenario.name}`);
  const row = await runScenario(scenario, ha.targets);
  console.log(`    ${row.note}; lost ${lost(row)}; whole after ${seconds(row.wholeSeconds)}`);
  console.log(formatSummary(row.summary));
  rows.push(row);
}
const missing = await underReplicated(ha.context);

// Then the changes a team ships with `pulumi up` (issue 11), under the same load, one after the other.
const changes: ChangeRow[] = [];
const changeDefinitions = haChanges(ha);
for (const name of HA_CHANGE_NAMES) {
  if (only.length > 0 && !only.some((o) => name.includes(o))) continue;
  console.log(`==> ${name}`);
  const done = await runChange(ha, changeDefinitions[name], ha.targets);
  console.log(`    ${done.row.note}; lost ${lost(done.row)}; whole after ${seconds(done.row.wholeSeconds)}`);
  console.log(formatSummary(done.row.summary));
  changes.push(done);
}
// The direct apply below renders the stack's settings: back to the committed ones first.
await ha.stack.workspace.stack.setConfig("vsekai-infra:app.image", { value: RELEASES.current }, true);
await ha.stack.workspace.stack.setConfig("vsekai-infra:seaweedfs.volumeServers", { value: "3" }, true);
await ha.stack.workspace.stack.setConfig(
  "vsekai-infra:seaweedfs.image",
  { value: pinnedImage("SEAWEEDFS_IMAGE") },
  true,
);

await destroyHaStack(ha);
await removeNamespace(ha.stack.kubeConfig, ha.namespace, 300);
t = performance.now();
const applied = await applyDirectly({
  from: ha.stack.workspace.stack,
  stackName: HA_STACK,
  namespace: ha.namespace,
  kubeconfig,
  ready: async () => {
    if ((await waitWhole(() => stackWhole(ha.context), 600)) === undefined)
      throw new Error("the directly applied manifests did not come up whole within 600 s");
  },
});
await removeSqlStandin(ha.stack.kubeConfig, HARNESS[HA_STACK].standinNamespace);
await removeIngressController(ha.stack.kubeConfig);

console.log(`\nHA stack (${ha.stack.sqlTier} tier), this machine (2 cores)`);
console.log(
  `pulumi up with the policy pack: ${ha.upSeconds.toFixed(1)} s to finish, ${upWhole.toFixed(1)} s to whole`,
);
console.log(`kubectl apply of the same manifests: ${applied.toFixed(1)} s to whole`);
console.log(`ratio pulumi/kubectl: ${(upWhole / applied).toFixed(2)} (target ≤ 0.8)`);
console.log(`no-op up: ${noOpUp.toFixed(1)} s`);
console.log(
  `under-replicated volumes after every scenario: ${missing.length === 0 ? "none" : missing.join(", ")}\n`,
);
console.log(formatTable(rows));
if (changes.length > 0) console.log(`\nchanges under load\n${formatChangeTable(changes)}`);
console.log(
  "\ntargets: 0 acknowledged objects or rows lost, always; losing one pod of a workload with 2+ replicas fails no " +
    "app request; S3 failures only inside a failover window of at most 30 s; a new raft leader within 10 s",
);
