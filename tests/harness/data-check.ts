import { GetObjectCommand } from "@aws-sdk/client-s3";
import { localClusterCidrs, type Cidr } from "./addresses.ts";
import {
  checkHttpTarget,
  describeError,
  httpRequest,
  s3Client,
  type HttpTarget,
  type S3Target,
} from "./clients.ts";
import { rowOf, sha256, type AckedObject, type AckedRow } from "./load.ts";

// After a scenario: every object the S3 gateway acknowledged must read back byte-identical (its sha256
// and size), and every row the app acknowledged must read back with its payload. An item that cannot be
// read is tried again a few times (the system may still be settling), and what is still wrong after that
// is reported with the reason. Bounded in attempts and seconds.

export interface DataCheckOptions {
  s3?: S3Target;
  /** Where rows are read back (GET /api/rows/:id), e.g. the app's Service. */
  rowsVia?: HttpTarget;
  objects: AckedObject[];
  rows: AckedRow[];
  /** Tries per item (default 3), this far apart (default 1000 ms). */
  attempts?: number;
  retryDelayMs?: number;
  /** Per request (default 10 000 ms). */
  timeoutMs?: number;
  /** Items read at once (default 4). */
  concurrency?: number;
  /** Whole check (default 600 s); items not reached by then are reported as unchecked. */
  maxSeconds?: number;
  cidrs?: Cidr[];
}

export interface ItemProblem {
  item: string;
  problem: string;
}

export interface DataCheckResult {
  objects: { acknowledged: number; intact: number; problems: ItemProblem[] };
  rows: { acknowledged: number; intact: number; problems: ItemProblem[] };
  seconds: number;
}

type Verdict = { ok: true } | { ok: false; problem: string };

export async function checkData(options: DataCheckOptions): Promise<DataCheckResult> {
  const started = performance.now();
  const cidrs = options.cidrs ?? localClusterCidrs();
  const timeoutMs = options.timeoutMs ?? 10_000;
  const deadline = started + (options.maxSeconds ?? 600) * 1000;
  if (options.objects.length > 0 && options.s3 === undefined)
    throw new Error(`${options.objects.length} acknowledged objects to check but no s3 target`);
  if (options.rows.length > 0 && options.rowsVia === undefined)
    throw new Error(`${options.rows.length} acknowledged rows to check but no rowsVia target`);
  if (options.rowsVia !== undefined) checkHttpTarget(options.rowsVia, cidrs);
  const s3 = options.s3 && s3Client(options.s3, cidrs, timeoutMs);

  const objectCheck = async (o: AckedObject): Promise<Verdict> => {
    if (s3 === undefined || options.s3 === undefined) return { ok: false, problem: "no s3 target" };
    const got = await s3.send(new GetObjectCommand({ Bucket: options.s3.bucket, Key: o.key }), {
      abortSignal: AbortSignal.timeout(timeoutMs),
    });
    const bytes = Buffer.from((await got.Body?.transformToByteArray()) ?? []);
    const digest = sha256(bytes);
    return digest === o.sha256 && bytes.length === o.size
      ? { ok: true }
      : {
          ok: false,
          problem: `read ${bytes.length} bytes with sha256 ${digest}, acknowledged ${o.size} with ${o.sha256}`,
        };
  };
  const rowCheck = async (r: AckedRow): Promise<Verdict> => {
    if (options.rowsVia === undefined) return { ok: false, problem: "no rowsVia target" };
    const answer = await httpRequest(options.rowsVia, "GET", `/api/rows/${r.id}`, timeoutMs);
    const read = answer.status === 200 ? rowOf(answer.body) : undefined;
    if (read?.payload === r.payload) return { ok: true };
    return {
      ok: false,
      problem: `GET /api/rows/${r.id} answered ${answer.status} ${answer.body.slice(0, 200)}`,
    };
  };

  const retry = { attempts: options.attempts ?? 3, delayMs: options.retryDelayMs ?? 1_000, deadline };
  const concurrency = options.concurrency ?? 4;
  const objects = await checkAll(options.objects, (o) => o.key, objectCheck, retry, concurrency);
  const rows = await checkAll(
    options.rows,
    (r) => `row ${r.id} (via ${r.via})`,
    rowCheck,
    retry,
    concurrency,
  );
  return {
    objects: { acknowledged: options.objects.length, ...objects },
    rows: { acknowledged: options.rows.length, ...rows },
    seconds: (performance.now() - started) / 1000,
  };
}

interface Retry {
  attempts: number;
  delayMs: number;
  deadline: number;
}

/** Checks every item with at most `concurrency` in flight; each gets `attempts` tries before the deadline. */
export async function checkAll<T>(
  items: T[],
  name: (item: T) => string,
  check: (item: T) => Promise<Verdict>,
  retry: Retry,
  concurrency: number,
): Promise<{ intact: number; problems: ItemProblem[] }> {
  let next = 0;
  let intact = 0;
  const problems: ItemProblem[] = [];
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) {
      const item = items[i] as T;
      const verdict = await withRetries(() => check(item), retry);
      if (verdict.ok) intact += 1;
      else problems.push({ item: name(item), problem: verdict.problem });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return { intact, problems };
}

async function withRetries(check: () => Promise<Verdict>, retry: Retry): Promise<Verdict> {
  let last: Verdict = { ok: false, problem: `not checked: the data check's time ran out` };
  for (let attempt = 1; attempt <= retry.attempts && performance.now() < retry.deadline; attempt++) {
    try {
      last = await check();
    } catch (error) {
      last = { ok: false, problem: describeError(error) };
    }
    if (last.ok) return last;
    if (attempt < retry.attempts) await new Promise((r) => setTimeout(r, retry.delayMs));
  }
  return last;
}

export function formatDataCheck(result: DataCheckResult): string {
  const part = (what: string, r: DataCheckResult["objects"]) =>
    [
      `${what}: ${r.intact} of ${r.acknowledged} acknowledged read back intact`,
      ...r.problems.slice(0, 20).map((p) => `  ${p.item}: ${p.problem}`),
      ...(r.problems.length > 20 ? [`  … and ${r.problems.length - 20} more`] : []),
    ].join("\n");
  return `${part("objects", result.objects)}\n${part("rows", result.rows)}\n(checked in ${result.seconds.toFixed(1)} s)`;
}
