import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkData, formatDataCheck } from "../harness/data-check.ts";
import { HA_SCENARIO_NAMES, haScenarios, stackWhole, underReplicated } from "../harness/ha-scenarios.ts";
import { tearDownHaStack, upHaStack, type HaStack } from "../harness/ha-stack.ts";
import type { AckedObject, AckedRow } from "../harness/load.ts";
import { formatSummary } from "../harness/outcomes.ts";
import { formatTable, lost, runScenario, waitWhole, type ScenarioRow } from "../harness/scenarios.ts";

// The production shape on the local cluster (Pulumi.ha.yaml: 3 masters, 3 volume servers with two copies,
// 2 filers, 2 gateways, 2 app replicas, Traefik in front) broken one piece at a time under load. What is
// asserted are the invariants: nothing acknowledged is lost in any scenario, each recovers within a
// generous bound, and every component is healthy at the end. The figures are printed, and the fault
// benchmark (npm run bench:faults) prints them as a table; targets live there, not here.

let ha: HaStack;
const rows: ScenarioRow[] = [];
const everything: { objects: AckedObject[]; rows: AckedRow[] } = { objects: [], rows: [] };

beforeAll(async () => {
  ha = await upHaStack({ passphrase: "vsekai-ha-integration" });
  console.log(`ha stack up in ${ha.upSeconds.toFixed(1)} s (${ha.stack.sqlTier} tier)`);
}, 1_200_000);

afterAll(async () => {
  if (rows.length > 0) console.log(`\n${formatTable(rows)}\n`);
  writeDigest(rows);
  if (ha === undefined) return;
  await tearDownHaStack(ha);
}, 900_000);

describe(`HA stack on the local cluster, under load (${process.env.VSEKAI_SQL_TIER ?? "tier chosen by the harness"})`, () => {
  it("comes up whole: every component at its count, one raft leader, every volume server registered", async () => {
    expect(await waitWhole(() => stackWhole(ha.context), 180)).toBeDefined();
  });

  // Named up front so the report lists them; the scenarios themselves need the live stack.
  for (const name of HA_SCENARIO_NAMES) {
    it(`${name}: nothing acknowledged is lost and the stack is whole again`, async (test) => {
      const scenario = haScenarios(ha.context).find((s) => s.name === name);
      if (scenario === undefined) {
        // Only the SQL stand-in's restart depends on the tier (CockroachDB's own node faults are not here).
        console.log(`*** SKIPPED: "${name}" does not apply to the ${ha.stack.sqlTier} tier ***`);
        test.skip();
        return;
      }
      const row = await runScenario(scenario, ha.targets);
      rows.push(row);
      everything.objects.push(...row.objects);
      everything.rows.push(...row.rows);
      console.log(`${name}: ${row.note}\n${formatSummary(row.summary)}\n${formatDataCheck(row.check)}`);
      expect(row.check.objects.acknowledged + row.check.rows.acknowledged).toBeGreaterThan(0);
      expect(lost(row)).toBe(0);
      expect(row.wholeSeconds).toBeDefined();
      expect(row.recoverySeconds).toBeDefined();
    }, 1_200_000);
  }

  it("after every scenario: whole, nothing under-replicated, every object and row from every scenario intact", async () => {
    expect(await waitWhole(() => stackWhole(ha.context), 300)).toBeDefined();
    const underReplicatedVolumes = await underReplicated(ha.context);
    expect(underReplicatedVolumes).toEqual([]);
    const check = await checkData({
      s3: ha.targets.s3,
      rowsVia: ha.targets.rowsVia,
      objects: everything.objects,
      rows: everything.rows,
    });
    console.log(`all scenarios: ${formatDataCheck(check)}`);
    expect(check.objects.problems).toEqual([]);
    expect(check.rows.problems).toEqual([]);
    expect(check.objects.intact).toBe(everything.objects.length);
    expect(check.rows.intact).toBe(everything.rows.length);
  }, 900_000);
});

/** The table, and the streams of any scenario that did not recover or lost data, for the run's closing digest. */
function writeDigest(done: ScenarioRow[]): void {
  const dir = process.env.VSEKAI_TEST_RESULTS;
  if (dir === undefined || done.length === 0) return;
  const troubled = done.filter((r) => r.recoverySeconds === undefined || lost(r) > 0);
  const text = [
    "HA scenarios (tests/integration/ha-faults.test.ts):",
    formatTable(done),
    ...troubled.map((r) => `${r.scenario}: ${r.note}\n${formatSummary(r.summary)}`),
  ].join("\n");
  writeFileSync(join(dir, "ha-faults.digest.txt"), `${text}\n`);
}
