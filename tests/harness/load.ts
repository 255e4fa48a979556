import { createHash, randomBytes, randomInt } from "node:crypto";
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { localClusterCidrs, type Cidr } from "./addresses.ts";
import {
  checkHttpTarget,
  describeError,
  httpRequest,
  s3Client,
  type HttpTarget,
  type S3Target,
} from "./clients.ts";
import { summarize, type LoadSummary, type Mark, type RequestRecord } from "./outcomes.ts";

// Load for the fault scenarios, all streams at once until a bound is reached: S3 PUT then GET of objects
// of random sizes with their sha256 checked (one stream), and for each HTTP target (the app's Service,
// the Ingress) its /health and POST /api/rows then GET /api/rows/:id (a SQL row written and read back).
// Every request is recorded with its time and outcome; every object and row the servers acknowledged is
// kept for the data check (data-check.ts). It stops by itself after maxRequests or maxSeconds, whichever
// comes first, and dials only addresses the guard allows (addresses.ts).

export interface LoadOptions {
  s3?: S3Target;
  http: HttpTarget[];
  /** Requests in all, over every stream. */
  maxRequests: number;
  maxSeconds: number;
  /** Pause between two rounds of one stream (default 200 ms, so about 5 rounds a second per stream). */
  intervalMs?: number;
  /** Per request (default 5000 ms). */
  requestTimeoutMs?: number;
  /** Object sizes, drawn uniformly (default 1 KiB to 256 KiB). */
  objectBytes?: { min: number; max: number };
  /** Allowed targets besides loopback (default: the local cluster's pod and Service ranges). */
  cidrs?: Cidr[];
  /** Names this run's objects and rows (default: the start time). */
  runId?: string;
}

/** An object the S3 gateway acknowledged (PUT answered 200): it must read back with this checksum. */
export interface AckedObject {
  key: string;
  size: number;
  sha256: string;
  atMs: number;
}

/** A row the app acknowledged (POST answered 201 with its id): it must read back with this payload. */
export interface AckedRow {
  id: string;
  payload: string;
  via: string;
  atMs: number;
}

export interface LoadResult {
  records: RequestRecord[];
  marks: Mark[];
  objects: AckedObject[];
  rows: AckedRow[];
  summary: LoadSummary;
  seconds: number;
  stoppedBy: "requests" | "seconds" | "stop";
}

export interface LoadRun {
  /** Notes the time of an event (a fault, a restore): recovery is measured from marks. */
  mark(label: string): Mark;
  /** Milliseconds since the run started, on the records' clock. */
  elapsedMs(): number;
  /** The requests finished so far (a copy), e.g. to see whether every stream serves again. */
  recordsSoFar(): RequestRecord[];
  /** Ends the run early; requests in flight finish (within the request timeout). */
  stop(): void;
  finished: Promise<LoadResult>;
}

const DEFAULTS = { intervalMs: 200, requestTimeoutMs: 5_000, objectBytes: { min: 1_024, max: 256 * 1_024 } };

/** Refuses options that could run unbounded or dial a forbidden address, with the reason. */
export function loadOptionProblems(options: LoadOptions, cidrs: Cidr[]): string[] {
  const problems: string[] = [];
  if (!Number.isInteger(options.maxRequests) || options.maxRequests < 1)
    problems.push(`maxRequests ${options.maxRequests} is not allowed: a whole number of at least 1`);
  if (!(options.maxSeconds > 0 && options.maxSeconds <= 3_600))
    problems.push(`maxSeconds ${options.maxSeconds} is not allowed: more than 0 and at most 3600`);
  const sizes = options.objectBytes ?? DEFAULTS.objectBytes;
  if (!(sizes.min >= 1 && sizes.max >= sizes.min && sizes.max <= 64 * 1024 * 1024))
    problems.push(`objectBytes ${JSON.stringify(sizes)} is not allowed: 1 <= min <= max <= 64 MiB`);
  if (options.s3 === undefined && options.http.length === 0)
    problems.push("no target: give s3, http targets or both");
  for (const target of options.http) {
    try {
      checkHttpTarget(target, cidrs);
    } catch (error) {
      problems.push(`http target ${target.name}: ${describeError(error)}`);
    }
  }
  return problems;
}

export function startLoad(options: LoadOptions): LoadRun {
  const cidrs = options.cidrs ?? localClusterCidrs();
  const problems = loadOptionProblems(options, cidrs);
  if (problems.length > 0) throw new Error(`load generator refused its options:\n  ${problems.join("\n  ")}`);
  const s3 = options.s3 && s3Client(options.s3, cidrs, options.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs);
  return new Load(options, s3).start();
}

class Load {
  private readonly t0 = performance.now();
  private readonly records: RequestRecord[] = [];
  private readonly marks: Mark[] = [];
  private readonly objects: AckedObject[] = [];
  private readonly rows: AckedRow[] = [];
  private readonly runId: string;
  private readonly timeoutMs: number;
  private stoppedBy: LoadResult["stoppedBy"] | undefined;
  private wake: () => void = () => undefined;
  private readonly stopped = new Promise<void>((resolve) => (this.wake = resolve));
  private started = 0;

  constructor(
    private readonly options: LoadOptions,
    private readonly s3: S3Client | undefined,
  ) {
    this.runId = options.runId ?? `run${Date.now()}`;
    this.timeoutMs = options.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs;
  }

  start(): LoadRun {
    const timer = setTimeout(() => this.stop("seconds"), this.options.maxSeconds * 1000);
    const streams: Promise<void>[] = [];
    if (this.s3 !== undefined && this.options.s3 !== undefined) {
      streams.push(this.loop(this.objectRound(this.s3, this.options.s3.bucket)));
    }
    for (const target of this.options.http) {
      streams.push(this.loop(this.healthRound(target)), this.loop(this.rowRound(target)));
    }
    const finished = Promise.all(streams).then(() => {
      clearTimeout(timer);
      return this.result();
    });
    return {
      mark: (label) => {
        const mark = { label, atMs: this.now() };
        this.marks.push(mark);
        return mark;
      },
      elapsedMs: () => this.now(),
      recordsSoFar: () => [...this.records],
      stop: () => this.stop("stop"),
      finished,
    };
  }

  private now(): number {
    return performance.now() - this.t0;
  }

  private stop(why: LoadResult["stoppedBy"]): void {
    this.stoppedBy ??= why;
    this.wake();
  }

  /** Takes one request from the budget, or says the run is over. */
  private take(): boolean {
    if (this.stoppedBy !== undefined) return false;
    if (this.started >= this.options.maxRequests) {
      this.stop("requests");
      return false;
    }
    this.started += 1;
    return true;
  }

  private async loop(round: (seq: number) => Promise<void>): Promise<void> {
    for (let seq = 1; this.stoppedBy === undefined; seq++) {
      await round(seq);
      await Promise.race([this.stopped, sleep(this.options.intervalMs ?? DEFAULTS.intervalMs)]);
    }
  }

  /** Runs `action` as one recorded request; its result says whether the answer was right. */
  private async request<T>(
    stream: string,
    op: string,
    action: (signal: AbortSignal) => Promise<{ ok: boolean; status?: number; error?: string; value?: T }>,
  ): Promise<T | undefined> {
    if (!this.take()) return undefined;
    const startMs = this.now();
    try {
      const outcome = await action(AbortSignal.timeout(this.timeoutMs));
      this.records.push({ stream, op, startMs, endMs: this.now(), ...withoutValue(outcome) });
      return outcome.ok ? outcome.value : undefined;
    } catch (error) {
      this.records.push({ stream, op, startMs, endMs: this.now(), ok: false, error: describeError(error) });
      return undefined;
    }
  }

  private objectRound(s3: S3Client, bucket: string) {
    const sizes = this.options.objectBytes ?? DEFAULTS.objectBytes;
    return async (seq: number) => {
      const body = randomBytes(randomInt(sizes.min, sizes.max + 1));
      const object = { key: `load/${this.runId}/${seq}`, size: body.length, sha256: sha256(body) };
      const acked = await this.request("s3", "PUT", async (abortSignal) => {
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: object.key, Body: body }), { abortSignal });
        return { ok: true, status: 200, value: { ...object, atMs: this.now() } };
      });
      if (acked === undefined) return;
      this.objects.push(acked);
      await this.request("s3", "GET", async (abortSignal) => {
        const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: object.key }), { abortSignal });
        const bytes = Buffer.from((await got.Body?.transformToByteArray()) ?? []);
        const digest = sha256(bytes);
        return digest === object.sha256
          ? { ok: true, status: 200 }
          : {
              ok: false,
              status: 200,
              error: `read ${bytes.length} bytes with sha256 ${digest}, wrote ${object.size} with ${object.sha256}`,
            };
      });
    };
  }

  private healthRound(target: HttpTarget) {
    return async () => {
      await this.request(`${target.name}/health`, "GET /health", async () => {
        const answer = await httpRequest(target, "GET", "/health", this.timeoutMs);
        return answer.status === 200
          ? { ok: true, status: 200 }
          : { ok: false, status: answer.status, error: healthFailure(answer.status, answer.body) };
      });
    };
  }

  private rowRound(target: HttpTarget) {
    const stream = `${target.name}/rows`;
    return async (seq: number) => {
      const payload = `lg-${this.runId}-${target.name}-${seq}`;
      const row = await this.request(stream, "POST /api/rows", async () => {
        const answer = await httpRequest(target, "POST", "/api/rows", this.timeoutMs, payload);
        const written = answer.status === 201 ? rowOf(answer.body) : undefined;
        if (written?.payload === payload) {
          return {
            ok: true,
            status: 201,
            value: { id: written.id, payload, via: target.name, atMs: this.now() },
          };
        }
        return { ok: false, status: answer.status, error: answer.body.slice(0, 200) };
      });
      if (row === undefined) return;
      this.rows.push(row);
      await this.request(stream, "GET /api/rows/:id", async () => {
        const answer = await httpRequest(target, "GET", `/api/rows/${row.id}`, this.timeoutMs);
        const read = answer.status === 200 ? rowOf(answer.body) : undefined;
        return read?.payload === payload
          ? { ok: true, status: 200 }
          : { ok: false, status: answer.status, error: answer.body.slice(0, 200) };
      });
    };
  }

  private result(): LoadResult {
    const records = [...this.records].sort((a, b) => a.startMs - b.startMs);
    return {
      records,
      marks: [...this.marks],
      objects: [...this.objects],
      rows: [...this.rows],
      summary: summarize(records, this.marks),
      seconds: this.now() / 1000,
      stoppedBy: this.stoppedBy ?? "stop",
    };
  }
}

function withoutValue<T>(outcome: { ok: boolean; status?: number; error?: string; value?: T }) {
  const { value: _value, ...rest } = outcome;
  return rest;
}

/** The stand-in's row answer, {"id":"…","payload":"…"}, or undefined for anything else. */
export function rowOf(body: string): { id: string; payload: string } | undefined {
  try {
    const parsed = JSON.parse(body) as { id?: unknown; payload?: unknown };
    return typeof parsed.id === "string" && /^\d+$/.test(parsed.id) && typeof parsed.payload === "string"
      ? { id: parsed.id, payload: parsed.payload }
      : undefined;
  } catch {
    return undefined;
  }
}

export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Which checks a failed /health names, with their details; the body itself when it is not the app's JSON. */
export function healthFailure(status: number, body: string): string {
  try {
    const report = JSON.parse(body) as Record<string, unknown>;
    const failing = Object.entries(report)
      .filter(([, v]) => typeof v === "object" && v !== null && (v as { ok?: unknown }).ok === false)
      .map(([name, v]) => `${name}: ${String((v as { detail?: unknown }).detail ?? "not ok")}`);
    if (failing.length > 0) return `HTTP ${status}: ${failing.join("; ")}`.slice(0, 300);
  } catch {
    // not JSON: fall through to the raw body
  }
  return `HTTP ${status}: ${body.slice(0, 200)}`;
}
