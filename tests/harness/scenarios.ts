import type { HttpTarget, S3Target } from "./clients.ts";
import { checkData, type DataCheckResult } from "./data-check.ts";
import { startLoad, type AckedObject, type AckedRow } from "./load.ts";
import { recoverySeconds, type LoadSummary, type RequestRecord } from "./outcomes.ts";

// One fault or change under load, measured the same way each time: the system must be whole before it
// starts; load runs; the fault is injected at a marked time; the system is polled until it is whole again
// (within a bound); load runs on a little longer so every stream shows whether it serves again; then every
// object and row acknowledged during the run is read back. Shared by the HA integration test (which
// asserts the invariants) and the fault benchmark (which prints the figures).

export interface Targets {
  s3: S3Target;
  /** The app's Service and, when there is one, the Ingress. */
  http: HttpTarget[];
  /** Where rows are read back. */
  rowsVia: HttpTarget;
}

export interface Scenario {
  name: string;
  /** Breaks something; resolves once the fault is in place (a cut network is restored inside it), with a note. */
  inject(): Promise<string>;
  /** True once every component is healthy again; polled once a second. */
  whole(): Promise<boolean>;
  /** How long `whole` may take before the scenario counts as not recovered (generous: not a target). */
  recoveryBoundSeconds: number;
}

export interface ScenarioRow {
  scenario: string;
  requests: number;
  failed: number;
  longestFailureRunSeconds: number;
  /** From the fault until the system was whole and every load stream served again; undefined: never. */
  recoverySeconds: number | undefined;
  /** From the fault until the components were healthy (pods ready, leader agreed, …). */
  wholeSeconds: number | undefined;
  check: DataCheckResult;
  /** Per stream: what was sent, what failed, the longest run of failures, recovery after the fault. */
  summary: LoadSummary;
  note: string;
  objects: AckedObject[];
  rows: AckedRow[];
  /** Every request that failed, for a scenario that judges failures by their cause. */
  failures: RequestRecord[];
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `whole` once a second until it holds or `seconds` pass; returns the seconds it took. */
export async function waitWhole(whole: () => Promise<boolean>, seconds: number): Promise<number | undefined> {
  const started = performance.now();
  for (let attempt = 0; attempt <= seconds; attempt++) {
    try {
      if (await whole()) return (performance.now() - started) / 1000;
    } catch {
      // a component that does not answer yet is not whole
    }
    await sleep(1_000);
  }
  return undefined;
}

export interface RunOptions {
  /** Load before the fault, so every stream has a baseline (default 5 s). */
  warmupSeconds?: number;
  /** Load after the system is whole again and every stream serves (default 10 s). */
  tailSeconds?: number;
  /** Request budget of the run (default 20 000). */
  maxRequests?: number;
}

export async function runScenario(
  scenario: Scenario,
  targets: Targets,
  options: RunOptions = {},
): Promise<ScenarioRow> {
  const warmup = options.warmupSeconds ?? 5;
  const tail = options.tailSeconds ?? 10;
  if ((await waitWhole(scenario.whole, 120)) === undefined) {
    throw new Error(`${scenario.name}: the system was not whole before the fault (waited 120 s)`);
  }
  const load = startLoad({
    s3: targets.s3,
    http: targets.http,
    maxRequests: options.maxRequests ?? 20_000,
    // Three waits of up to the bound each (whole, streams serve, streams serve after the tail).
    maxSeconds: Math.min(3_600, warmup + 3 * scenario.recoveryBoundSeconds + tail + 60),
    runId: scenario.name.replace(/[^a-z0-9]+/gi, "-").toLowerCase(),
  });
  let note = "";
  let wholeSeconds: number | undefined;
  let faultAtMs = 0;
  let cutoffMs = Number.POSITIVE_INFINITY;
  try {
    await sleep(warmup * 1000);
    faultAtMs = load.mark("fault").atMs;
    note = await scenario.inject();
    const injectedSeconds = (load.elapsedMs() - faultAtMs) / 1000;
    const more = await waitWhole(scenario.whole, scenario.recoveryBoundSeconds);
    wholeSeconds = more === undefined ? undefined : injectedSeconds + more;
    // Whole components are not yet a serving system (clients reconnect, caches of the old leader expire):
    // load goes on until every stream has served again since its last failure, within the same bound.
    const streamsServe = async () => recoverySeconds(load.recordsSoFar(), faultAtMs) !== undefined;
    await waitWhole(streamsServe, scenario.recoveryBoundSeconds);
    await sleep(tail * 1000);
    // A failure in the tail (one slow request on two busy cores) must not read as "never recovered" only
    // because the run ended before that stream's next request: give it the same bound to serve again,
    // and judge recovery on what had finished by then. The late failure stays in the counts and pushes the
    // recovery figure out to its next success, so nothing is hidden.
    if ((await waitWhole(streamsServe, scenario.recoveryBoundSeconds)) !== undefined)
      cutoffMs = load.elapsedMs();
  } finally {
    load.stop();
  }
  const result = await load.finished;
  const judged = result.records.filter((r) => r.endMs <= cutoffMs);
  const streamsBack = recoverySeconds(judged, faultAtMs);
  const check = await checkData({
    s3: targets.s3,
    rowsVia: targets.rowsVia,
    objects: result.objects,
    rows: result.rows,
  });
  return {
    scenario: scenario.name,
    requests: result.summary.sent,
    failed: result.summary.failed,
    longestFailureRunSeconds: result.summary.longestFailureRunSeconds,
    recoverySeconds:
      wholeSeconds === undefined || streamsBack === undefined
        ? undefined
        : Math.max(wholeSeconds, streamsBack),
    wholeSeconds,
    check,
    // Counts over every request; recovery after each mark judged as above, so the printed lines and the
    // table agree.
    summary: {
      ...result.summary,
      recoveries: result.marks.map((m) => ({
        label: m.label,
        atSeconds: m.atMs / 1000,
        recoverySeconds: recoverySeconds(judged, m.atMs),
      })),
    },
    note,
    objects: result.objects,
    rows: result.rows,
    failures: result.records.filter((r) => !r.ok),
  };
}

/** Objects or rows acknowledged but not read back intact. */
export function lost(row: ScenarioRow): number {
  return row.check.objects.problems.length + row.check.rows.problems.length;
}

/** The benchmark's table: one line per scenario. */
export function formatTable(rows: ScenarioRow[]): string {
  const header = [
    "scenario",
    "requests",
    "failed",
    "longest failure run (s)",
    "recovery (s)",
    "objects verified",
    "rows verified",
  ];
  const seconds = (s: number | undefined) => (s === undefined ? "never" : s.toFixed(1));
  const lines = rows.map((r) => [
    r.scenario,
    String(r.requests),
    String(r.failed),
    r.longestFailureRunSeconds.toFixed(1),
    seconds(r.recoverySeconds),
    `${r.check.objects.intact}/${r.check.objects.acknowledged}`,
    `${r.check.rows.intact}/${r.check.rows.acknowledged}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? "").length)));
  const render = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ");
  return [render(header), widths.map((w) => "-".repeat(w)).join("-|-"), ...lines.map(render)].join("\n");
}
