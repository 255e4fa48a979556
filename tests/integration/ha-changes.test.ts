import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkData, formatDataCheck } from "../harness/data-check.ts";
import {
  applySettings,
  appRunsOnly,
  formatChangeTable,
  haChanges,
  migrationEvidence,
  RELEASES,
  runChange,
  sampleReadyFloor,
  seaweedfsRunsOnly,
  type ChangeRow,
  type HaChangeName,
} from "../harness/ha-changes.ts";
import { stackWhole, underReplicated } from "../harness/ha-scenarios.ts";
import { tearDownHaStack, upHaStack, type HaStack } from "../harness/ha-stack.ts";
import { credentialRefusals, formatSummary, unavailableFailures } from "../harness/outcomes.ts";
import {
  interruptedRelease,
  orphans,
  stackLocks,
  type InterruptedChangeRecord,
} from "../harness/interrupt.ts";
import { lost, runScenario, waitWhole } from "../harness/scenarios.ts";
import {
  appSessions,
  currentKeys,
  gatewayPods,
  s3Refusal,
  type KeyPair,
} from "../harness/credential-rotation.ts";

// Changes a team ships with `pulumi up`, on the HA stack under load (issue 11). Asserted: the invariant each
// change names (an app release never leaves the app unreachable; a failed migration never starts the rollout), nothing
// acknowledged is lost, and the stack is whole after. `up` times and failure counts are printed (and by
// npm run bench:faults as a table), not asserted.

const {
  current: CURRENT,
  next: NEXT,
  broken: BROKEN,
  nextVersion: NEXT_VERSION,
  brokenVersion: BROKEN_VERSION,
} = RELEASES;
/** The broken release's own error line, as its migration prints it. */
const BROKEN_LINE = `uro-standin: migration failed: migration ${BROKEN_VERSION}: server error: relation "uro_standin_relase_notes" does not exist`;

let ha: HaStack;
const rows: ChangeRow[] = [];

beforeAll(async () => {
  ha = await upHaStack({ passphrase: "vsekai-ha-changes" });
  console.log(`ha stack up in ${ha.upSeconds.toFixed(1)} s (${ha.stack.sqlTier} tier)`);
}, 1_200_000);

afterAll(async () => {
  const text = changeTable();
  if (text !== "") console.log(`\n${text}\n`);
  const dir = process.env.VSEKAI_TEST_RESULTS;
  if (dir !== undefined && text !== "") writeFileSync(join(dir, "ha-changes.digest.txt"), `${text}\n`);
  if (ha === undefined) return;
  await tearDownHaStack(ha);
}, 900_000);

function changeTable(): string {
  if (rows.length === 0) return "";
  return `Changes under load (tests/integration/ha-changes.test.ts):\n${formatChangeTable(rows)}`;
}

async function run(name: HaChangeName): Promise<ChangeRow> {
  const done = await runChange(ha, haChanges(ha)[name], ha.targets);
  rows.push(done);
  const { row } = done;
  console.log(`${name}: ${row.note}\n${formatSummary(row.summary)}\n${formatDataCheck(row.check)}`);
  expect(row.check.objects.acknowledged + row.check.rows.acknowledged).toBeGreaterThan(0);
  expect(lost(row)).toBe(0);
  expect(row.wholeSeconds).toBeDefined();
  return done;
}

describe(`changes shipped with pulumi up, on the HA stack under load (${process.env.VSEKAI_SQL_TIER ?? "tier chosen by the harness"})`, () => {
  it(`comes up whole on ${CURRENT}`, async () => {
    expect(await waitWhole(() => stackWhole(ha.context), 180)).toBeDefined();
    expect(await appRunsOnly(ha, CURRENT)).toBe(true);
  });

  it("refuses in the preview, on the running stack, fewer masters and a bigger volume claim; nothing changes", async () => {
    const stack = ha.stack.workspace.stack;
    const size = (await stack.getConfig("vsekai-infra:seaweedfs.volumeStorage.size", true)).value;
    const masters = (await stack.getConfig("vsekai-infra:seaweedfs.masters", true)).value;
    let printed = "";
    try {
      await applySettings(ha, { "seaweedfs.masters": "1", "seaweedfs.volumeStorage.size": "10Gi" });
      await stack.preview();
    } catch (error) {
      printed = String(error);
    } finally {
      await applySettings(ha, { "seaweedfs.masters": masters, "seaweedfs.volumeStorage.size": size });
    }
    console.log(
      `the refused preview's lines:\n${printed
        .split("\n")
        .filter((l) => l.includes("refused"))
        .join("\n")}`,
    );
    expect(printed).toContain(`seaweedfs.masters: lowered from ${masters} to 1 on a running stack; refused`);
    expect(printed).toContain(
      `seaweedfs.volumeStorage: the claim size changed from ${size} to 10Gi on a running stack`,
    );
    const after = await stack.preview({ expectNoChanges: true });
    expect(after.changeSummary).not.toHaveProperty("update");
    expect(after.changeSummary).not.toHaveProperty("replace");
  });

  it(`app release ${NEXT}: its migration runs once, before any new pod; old pods serve until new ones are ready; no request fails`, async () => {
    const { row, up } = await run("app release");
    expect(up.failure).toBeUndefined();
    // The release never left the app unreachable; what the app answered about its database or storage
    // meanwhile is counted in the figures, not here (see unavailableFailures).
    expect(unavailableFailures(row.failures)).toEqual([]);
    const migration = await migrationEvidence(ha, NEXT, NEXT_VERSION);
    console.log(`migration of ${NEXT}: ${JSON.stringify(migration)}`);
    expect(migration.jobs).toHaveLength(1);
    expect({
      succeeded: migration.succeeded,
      failed: migration.failed,
      pods: migration.pods,
      runs: migration.runs,
    }).toEqual({
      succeeded: 1,
      failed: 0,
      pods: 1,
      runs: 1,
    });
    // Kubernetes keeps both times to the second: no new pod was made before the second the Job completed.
    const completed = migration.completedAt?.getTime();
    const firstPod = migration.firstServerPodAt?.getTime();
    expect(completed).toBeDefined();
    expect(firstPod).toBeDefined();
    expect(firstPod ?? 0).toBeGreaterThanOrEqual(completed ?? Number.POSITIVE_INFINITY);
  });

  it(`a release whose migration fails (${BROKEN}): up fails with the Job's own error line, the rollout never starts, ${NEXT} keeps serving`, async () => {
    const { row, up } = await run("failed migration");
    expect(up.failure).toBeDefined();
    const lines = (up.failure ?? "").split("\n").filter((l) => /error|fail|migration/i.test(l));
    console.log(`the failed up's error lines:\n${lines.slice(-30).join("\n")}`);
    expect(up.failure).toContain(BROKEN_LINE);
    expect(unavailableFailures(row.failures)).toEqual([]);
    const migration = await migrationEvidence(ha, BROKEN, BROKEN_VERSION);
    console.log(`migration of ${BROKEN}: ${JSON.stringify(migration)}`);
    expect(migration.succeeded).toBe(0);
    expect(migration.runs).toBeGreaterThan(0);
    expect(migration.firstServerPodAt).toBeUndefined();
  });

  it(`back to ${NEXT} after the failed release: up converges and the app is whole on it`, async () => {
    const { up } = await run("back after failed release");
    expect(up.failure).toBeUndefined();
    const preview = await ha.stack.workspace.stack.preview({ expectNoChanges: true });
    expect(preview.changeSummary).not.toHaveProperty("update");
  });

  it(`SeaweedFS image roll to ${RELEASES.seaweedfsRebuild}: one pod of each server at a time, never two masters down, the masters done before a volume server goes, nothing lost`, async () => {
    const sampler = sampleReadyFloor(ha, RELEASES.seaweedfsRebuild);
    let sampled: Awaited<ReturnType<typeof sampler.stop>>;
    try {
      const { up } = await run("seaweedfs image roll");
      expect(up.failure).toBeUndefined();
    } finally {
      sampled = await sampler.stop();
    }
    const { floor, order } = sampled;
    console.log(
      `fewest ready pods during the roll: ${JSON.stringify(floor)}; order (ms): ${JSON.stringify(order)}`,
    );
    // The volume servers' StatefulSet changes only once the masters' roll is over (pulumi.com/waitFor).
    expect(order.mastersDoneMs).toBeDefined();
    expect(order.volumesTouchedMs).toBeDefined();
    expect(order.volumesTouchedMs ?? 0).toBeGreaterThanOrEqual(order.mastersDoneMs ?? Infinity);
    const { masters, volumes, filers, gateways } = ha.context.counts;
    expect(floor.master).toBeGreaterThanOrEqual(masters - 1);
    expect(floor.volume).toBeGreaterThanOrEqual(volumes - 1);
    expect(floor.filer).toBeGreaterThanOrEqual(filers - 1);
    expect(floor.s3).toBeGreaterThanOrEqual(gateways - 1);
    expect(await seaweedfsRunsOnly(ha, RELEASES.seaweedfsRebuild)).toBe(true);
  });

  it("volume servers 3 -> 2: the removed server is emptied first, every object stays readable, every volume has its two copies", async () => {
    const { up } = await run("volume servers 3 to 2");
    expect(up.failure).toBeUndefined();
    expect(await underReplicated(ha.context)).toEqual([]);
  });

  for (const [signal, image] of [
    ["SIGINT", CURRENT],
    ["SIGKILL", NEXT],
  ] as const) {
    it(`an up stopped by ${signal} in the middle of a release: recovered as Pulumi documents, the next up converges, nothing orphaned`, async () => {
      const record: InterruptedChangeRecord = { steps: [] };
      const name = `up stopped by ${signal}`;
      const row = await runScenario(interruptedRelease(ha, name, image, signal, record), ha.targets);
      rows.push({ row, up: { seconds: record.interruption?.exitedAfterSeconds } });
      console.log(`${name}: ${row.note}\n${formatSummary(row.summary)}\n${formatDataCheck(row.check)}`);
      console.log(`the interrupted engine's last lines:\n${record.interruption?.output.slice(-1500)}`);
      expect(lost(row)).toBe(0);
      expect(row.wholeSeconds).toBeDefined();
      expect(record.steps.at(-1)).toBe("pulumi up");
      expect(await appRunsOnly(ha, image)).toBe(true);
      expect(stackLocks(ha)).toEqual([]);
      expect(await orphans(ha)).toEqual([]);
      const preview = await ha.stack.workspace.stack.preview({ expectNoChanges: true });
      expect(preview.changeSummary).not.toHaveProperty("update");
    });
  }

  let oldKeys: KeyPair | undefined;
  it("credential rotation: new S3 keys (loaded by the running gateways, the old ones still accepted) and a second SQL login; no S3 request fails, none is refused for its credentials, the app is never unreachable", async () => {
    oldKeys = { accessKeyId: ha.targets.s3.accessKeyId, secretAccessKey: ha.targets.s3.secretAccessKey };
    const gatewaysBefore = await gatewayPods(ha);
    const { row, up } = await run("credentials rotated");
    expect(up.failure).toBeUndefined();
    // The load signed with the old keys throughout: no gateway ever refused them, none restarted (they
    // reloaded the file, so no kept-alive connection was cut), and the app, rolled onto the new keys and
    // login, was never unreachable.
    expect(await gatewayPods(ha)).toEqual(gatewaysBefore);
    expect(row.failures.filter((r) => r.stream === "s3")).toEqual([]);
    expect(credentialRefusals(row.failures)).toEqual([]);
    expect(unavailableFailures(row.failures)).toEqual([]);
    const newKeys = await currentKeys(ha);
    expect(newKeys.accessKeyId).not.toBe(oldKeys.accessKeyId);
    expect(await s3Refusal(ha.targets.s3, newKeys)).toBeUndefined();
    expect(await s3Refusal(ha.targets.s3, oldKeys)).toBeUndefined();
    const sessions = await appSessions(ha);
    console.log(
      `app database sessions by login after the rotation: ${JSON.stringify(sessions ?? "not on the stand-in")}`,
    );
  });

  it("the previous S3 keys retired and the old SQL login stopped, its sessions ended: the keys are refused, no request of the load is (so no app pod is left on the old login)", async () => {
    expect(oldKeys).toBeDefined();
    const gatewaysBefore = await gatewayPods(ha);
    const { row, up } = await run("previous credentials retired");
    expect(up.failure).toBeUndefined();
    expect(await gatewayPods(ha)).toEqual(gatewaysBefore);
    expect(row.failures.filter((r) => r.stream === "s3")).toEqual([]);
    expect(credentialRefusals(row.failures)).toEqual([]);
    expect(unavailableFailures(row.failures)).toEqual([]);
    expect(await s3Refusal(ha.targets.s3, await currentKeys(ha))).toBeUndefined();
    const refusal = await s3Refusal(ha.targets.s3, oldKeys ?? { accessKeyId: "", secretAccessKey: "" });
    console.log(`the retired keys: ${refusal ?? "still accepted"}`);
    expect(refusal).toMatch(/InvalidAccessKeyId|AccessDenied|403/);
    // A preview of the rotated stack plans nothing: the rotation has converged.
    const preview = await ha.stack.workspace.stack.preview({ expectNoChanges: true });
    expect(preview.changeSummary).not.toHaveProperty("update");
  });

  it("after every change: whole, and every object and row acknowledged during any of them intact", async () => {
    expect(await waitWhole(() => stackWhole(ha.context), 300)).toBeDefined();
    const objects = rows.flatMap((r) => r.row.objects);
    const acked = rows.flatMap((r) => r.row.rows);
    const check = await checkData({ s3: ha.targets.s3, rowsVia: ha.targets.rowsVia, objects, rows: acked });
    console.log(`all changes: ${formatDataCheck(check)}`);
    expect(objects.length).toBeGreaterThan(0);
    expect(check.objects.problems).toEqual([]);
    expect(check.rows.problems).toEqual([]);
    expect(check.objects.intact).toBe(objects.length);
    expect(check.rows.intact).toBe(acked.length);
  });
});
