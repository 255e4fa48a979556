// What the load generator makes of its requests: every request is a record (which stream, when it
// started and ended, whether it succeeded), and the figures a fault scenario reports are pure functions of
// those records. Times are milliseconds since the run started.

export interface RequestRecord {
  /** One sequence of requests of one kind to one target, e.g. "s3", "service/rows", "ingress/health". */
  stream: string;
  /** What was asked, e.g. "PUT", "GET", "POST /api/rows". */
  op: string;
  startMs: number;
  endMs: number;
  ok: boolean;
  /** HTTP status when one came back. */
  status?: number;
  /** Why it failed (the error, or what the answer got wrong). */
  error?: string;
}

export interface Mark {
  label: string;
  atMs: number;
}

export interface FailureRun {
  stream: string;
  startMs: number;
  /** Start of the next successful request of the stream, or the end of the last failure if none came. */
  endMs: number;
  failures: number;
  recovered: boolean;
}

const byStart = (a: RequestRecord, b: RequestRecord) => a.startMs - b.startMs || a.endMs - b.endMs;

function streams(records: RequestRecord[]): Map<string, RequestRecord[]> {
  const grouped = new Map<string, RequestRecord[]>();
  for (const r of records) grouped.set(r.stream, [...(grouped.get(r.stream) ?? []), r]);
  for (const list of grouped.values()) list.sort(byStart);
  return grouped;
}

/**
 * Every maximal run of consecutive failed requests of each stream, in start order. A run lasts from the
 * start of its first failure to the start of the stream's next success: the time a client of that
 * stream saw nothing work.
 */
export function failureRuns(records: RequestRecord[]): FailureRun[] {
  const runs: FailureRun[] = [];
  for (const [stream, list] of streams(records)) {
    let open: FailureRun | undefined;
    for (const r of list) {
      if (!r.ok) {
        open ??= { stream, startMs: r.startMs, endMs: r.endMs, failures: 0, recovered: false };
        open.failures += 1;
        open.endMs = Math.max(open.endMs, r.endMs);
      } else if (open !== undefined) {
        runs.push({ ...open, endMs: r.startMs, recovered: true });
        open = undefined;
      }
    }
    if (open !== undefined) runs.push(open);
  }
  return runs.sort((a, b) => a.startMs - b.startMs);
}

/** The longest failure run in seconds (0 when nothing failed). */
export function longestFailureRunSeconds(records: RequestRecord[]): number {
  return Math.max(0, ...failureRuns(records).map((r) => (r.endMs - r.startMs) / 1000));
}

/**
 * Seconds from `fromMs` (a marked fault) until every stream works again for good: for each stream, the
 * start of its first success after its last failure at or after `fromMs` (or `fromMs` itself when it did
 * not fail since); the latest of those, minus `fromMs`. Undefined when some stream never recovered (its
 * last request failed), or sent nothing after `fromMs`, so its recovery is unknown.
 */
export function recoverySeconds(records: RequestRecord[], fromMs: number): number | undefined {
  let latest = fromMs;
  for (const list of streams(records).values()) {
    const after = list.filter((r) => r.startMs >= fromMs);
    if (after.length === 0) return undefined;
    const lastFailure = after.map((r) => r.ok).lastIndexOf(false);
    if (lastFailure === -1) continue;
    const success = after.slice(lastFailure + 1).find((r) => r.ok);
    if (success === undefined) return undefined;
    latest = Math.max(latest, success.startMs);
  }
  return (latest - fromMs) / 1000;
}

export interface StreamSummary {
  stream: string;
  sent: number;
  failed: number;
  longestFailureRunSeconds: number;
  /** The stream's last failed request: when it started (s) and why, to tell a late stray failure from an outage. */
  lastFailure?: { atSeconds: number; error: string };
}

export interface LoadSummary {
  sent: number;
  failed: number;
  longestFailureRunSeconds: number;
  streams: StreamSummary[];
  /** Recovery after each mark, in the order they were made. */
  recoveries: { label: string; atSeconds: number; recoverySeconds: number | undefined }[];
}

function lastFailureOf(list: RequestRecord[]): Pick<StreamSummary, "lastFailure"> {
  const last = list.filter((r) => !r.ok).at(-1);
  if (last === undefined) return {};
  return {
    lastFailure: {
      atSeconds: last.startMs / 1000,
      error: last.error ?? (last.status === undefined ? "failed" : `HTTP ${last.status}`),
    },
  };
}

export function summarize(records: RequestRecord[], marks: Mark[]): LoadSummary {
  const perStream = [...streams(records)].map(([stream, list]) => ({
    stream,
    sent: list.length,
    failed: list.filter((r) => !r.ok).length,
    longestFailureRunSeconds: longestFailureRunSeconds(list),
    ...lastFailureOf(list),
  }));
  return {
    sent: records.length,
    failed: records.filter((r) => !r.ok).length,
    longestFailureRunSeconds: longestFailureRunSeconds(records),
    streams: perStream.sort((a, b) => (a.stream < b.stream ? -1 : a.stream > b.stream ? 1 : 0)),
    recoveries: marks.map((m) => ({
      label: m.label,
      atSeconds: m.atMs / 1000,
      recoverySeconds: recoverySeconds(records, m.atMs),
    })),
  };
}

/** One line per figure, for a test log or a benchmark's notes. */
export function formatSummary(summary: LoadSummary): string {
  const seconds = (s: number | undefined) => (s === undefined ? "never" : `${s.toFixed(1)} s`);
  return [
    `requests ${summary.sent}, failed ${summary.failed}, longest failure run ${seconds(summary.longestFailureRunSeconds)}`,
    ...summary.streams.map(
      (s) =>
        `  ${s.stream}: ${s.sent} sent, ${s.failed} failed, longest run ${seconds(s.longestFailureRunSeconds)}` +
        (s.lastFailure === undefined
          ? ""
          : `; last failure at t=${s.lastFailure.atSeconds.toFixed(1)} s: ${s.lastFailure.error.slice(0, 160)}`),
    ),
    ...summary.recoveries.map(
      (r) =>
        `  after "${r.label}" (t=${r.atSeconds.toFixed(1)} s): recovered in ${seconds(r.recoverySeconds)}`,
    ),
  ].join("\n");
}

/**
 * The failures that mean the app could not be reached, as opposed to the app answering that a dependency
 * failed (its /health naming the database or storage, a rows request naming the SQL connection): no answer,
 * a refused or reset connection, a timeout, a proxy's own error page. Every S3 failure counts: the
 * gateway is itself the service. A rollout must cause none of these; a dependency's blip during one is
 * the dependency's, and is counted apart.
 */
export function unavailableFailures(failures: RequestRecord[]): RequestRecord[] {
  return failures.filter((r) => r.stream === "s3" || !answeredByApp(r));
}

function answeredByApp(r: RequestRecord): boolean {
  if (r.status === undefined || r.error === undefined) return false;
  return /^HTTP 503: (database|storage): /.test(r.error) || r.error.startsWith('{"error":');
}

/**
 * The requests refused for their credentials: S3 not knowing the key or the signature, the database not
 * letting the login in (as the app reports it). A credential rotation must cause none of these, whatever
 * else the rolls it triggers cost; those are counted as availability, by unavailableFailures.
 */
export function credentialRefusals(failures: RequestRecord[]): RequestRecord[] {
  return failures.filter(
    (r) =>
      (r.stream === "s3" &&
        (r.status === 403 || /InvalidAccessKeyId|SignatureDoesNotMatch|AccessDenied/.test(r.error ?? ""))) ||
      /authentication failed|is not permitted to log in|permission denied for/.test(r.error ?? ""),
  );
}
