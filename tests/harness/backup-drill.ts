import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import * as k8s from "@kubernetes/client-node";
import type { UpResult } from "@pulumi/pulumi/automation/index.js";
import { objectBackupDirectory } from "../../components/seaweedfs/backup.ts";
import { restoreJobName } from "../../components/seaweedfs/restore.ts";
import { seaweedfsNames } from "../../components/seaweedfs/topology.ts";
import {
  ensureBackupTarget,
  removeBackupTarget,
  type BackupTargetFixture,
} from "../../tools/stack/backup-target.ts";
import { prepareDevStack, type DevStack } from "../../tools/stack/dev-stack.ts";
import { isReady } from "../../tools/stack/pods.ts";
import type { SettingValue } from "../../tools/stack/workspace.ts";
import { localClusterCidrs } from "./addresses.ts";
import { s3Client } from "./clients.ts";
import { checkData, type DataCheckResult } from "./data-check.ts";
import { tearDownDevStack, upWithPack } from "./dev-stack-run.ts";
import { startLoad, type AckedObject, type AckedRow } from "./load.ts";
import { stackTargets, type StackTargets } from "./targets.ts";

// The backup drill on the dev stack, live: an independent S3 target (tools/stack/backup-target.ts), the
// stack's continuous object backup to it, steady writes (objects through S3, rows through the app) with
// the lag of every object measured, a dump of the app's database the way an external-mode user's
// provider would keep one, the stack destroyed with its volumes and its database, brought back with
// `pulumi up`, the database restored, the objects restored by the stack's restore Job, and every object
// and row read back. Shared by the integration test (invariants) and `npm run bench:backup` (figures).

const NAMESPACE = "vsekai-dev";
const PREFIX = "drill";
const RESTORE_RUN = "drill";
const POLL_MS = 1_000;

export interface DrillFigures {
  objects: number;
  megabytes: number;
  rows: number;
  /** Seconds from an object's acknowledgement to its copy being listed in the target. */
  lagSeconds: { median: number; max: number };
  /** Objects never seen in the target within the bound (should be none). */
  neverBackedUp: string[];
  /** From the restore Job's own summary line. */
  restore: { objects: number; megabytes: number; seconds: number; megabytesPerSecond: number; line: string };
  /** `pulumi up` of the empty stack with the restore Job (which it awaits), in seconds. */
  restoreUpSeconds: number;
  check: DataCheckResult;
  /** Acknowledged objects missing from the restored bucket's listing. */
  missingFromListing: string[];
}

function backupSettings(target: BackupTargetFixture, restore: boolean): Record<string, SettingValue> {
  const backup = {
    enabled: true,
    target: { endpoint: target.endpoint, bucket: target.bucket, prefix: PREFIX, pathStyle: true },
    ...(restore ? { restore: { run: RESTORE_RUN } } : {}),
  };
  return {
    backup: { value: JSON.stringify(backup) },
    backupCredentials: {
      value: JSON.stringify({ accessKeyId: target.accessKeyId, secretAccessKey: target.secretAccessKey }),
      secret: true,
    },
  };
}

function output(up: UpResult, key: string): string {
  const value = up.outputs[key]?.value;
  if (value === undefined) throw new Error(`the dev stack has no output ${key}`);
  return String(value);
}

async function targetsOf(dev: DevStack, up: UpResult): Promise<StackTargets> {
  return stackTargets(dev.kubeConfig, {
    namespace: output(up, "namespace"),
    appUrl: output(up, "appUrl"),
    s3Bucket: output(up, "s3Bucket"),
    s3AccessKeyId: output(up, "s3AccessKeyId"),
    s3SecretAccessKey: output(up, "s3SecretAccessKey"),
  });
}

async function waitFor(what: string, seconds: number, test: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    try {
      if (await test()) return;
    } catch {
      // not there yet
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${seconds} s`);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
}

/** Every key under `prefix` in a bucket, following the listing's pages. */
async function listKeys(client: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) if (o.Key !== undefined) keys.push(o.Key);
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return keys;
}

/** The dev stack's app database as the stand-in serves it to the node: its URL with the cluster IP. */
async function appDatabase(dev: DevStack): Promise<URL> {
  const config = await dev.workspace.stack.getConfig("vsekai-infra:databaseUrl");
  const url = new URL(config.value);
  const [service, namespace] = url.hostname.split(".");
  const core = dev.kubeConfig.makeApiClient(k8s.CoreV1Api);
  const ip = (await core.readNamespacedService({ name: service ?? "", namespace: namespace ?? "" })).spec
    ?.clusterIP;
  if (ip === undefined) throw new Error(`no cluster IP for the SQL stand-in's Service ${url.hostname}`);
  url.hostname = ip;
  return url;
}

/** pg_dump / pg_restore (Debian's postgresql-client) against the stand-in, the password through the environment. */
function pgTool(tool: "pg_dump" | "pg_restore", url: URL, args: string[]): void {
  execFileSync(
    tool,
    [
      "-h",
      url.hostname,
      "-p",
      url.port || "5432",
      "-U",
      decodeURIComponent(url.username),
      "-d",
      url.pathname.slice(1),
      ...args,
    ],
    {
      env: { ...process.env, PGPASSWORD: decodeURIComponent(url.password) },
      stdio: ["ignore", "inherit", "inherit"],
      timeout: 300_000,
    },
  );
}

async function restoreSummary(kc: k8s.KubeConfig): Promise<DrillFigures["restore"]> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const job = restoreJobName(seaweedfsNames("vsekai").restoreJob, RESTORE_RUN);
  const pods = await core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: `job-name=${job}` });
  const succeeded = pods.items.find((p) => p.status?.phase === "Succeeded");
  if (succeeded?.metadata?.name === undefined) throw new Error(`the restore Job ${job} has no succeeded pod`);
  const log = await core.readNamespacedPodLog({ name: succeeded.metadata.name, namespace: NAMESPACE });
  const line = log.split("\n").find((l) => l.includes("restore: copied")) ?? "";
  const m = /copied (\d+) objects \(([\d.]+) MB\) in ([\d.]+) s \(([\d.]+) MB\/s\)/.exec(line);
  if (m === null) throw new Error(`the restore Job's log has no summary line:\n${log}`);
  return {
    objects: Number(m[1]),
    megabytes: Number(m[2]),
    seconds: Number(m[3]),
    megabytesPerSecond: Number(m[4]),
    line,
  };
}

export interface DrillOptions {
  passphrase: string;
  /** Seconds of steady small writes (objects 1-256 KiB, rows), then of bulk objects (1-4 MiB). */
  steadySeconds?: number;
  bulkSeconds?: number;
  /** How long the backup may take to copy the last object (a bound, not a target). */
  catchUpSeconds?: number;
  log?: (line: string) => void;
}

export async function runBackupDrill(options: DrillOptions): Promise<DrillFigures> {
  const log = options.log ?? ((line: string) => console.log(line));
  const kc = new k8s.KubeConfig();
  kc.loadFromDefault();
  const work = mkdtempSync(join(tmpdir(), "vsekai-drill-"));
  let dev: DevStack | undefined;
  try {
    log("drill: starting the off-cluster backup target (namespace vsekai-backup-target)");
    const target = await ensureBackupTarget(kc);
    const cidrs = localClusterCidrs();
    // Through the harness's guarded client: the target's cluster IP must be in the local cluster's ranges.
    const client = s3Client(
      {
        endpoint: target.harnessEndpoint,
        bucket: target.bucket,
        region: "us-east-1",
        accessKeyId: target.accessKeyId,
        secretAccessKey: target.secretAccessKey,
      },
      cidrs,
      10_000,
    );

    dev = await prepareDevStack({ passphrase: options.passphrase, config: backupSettings(target, false) });
    const first = (await upWithPack(dev)).up;
    const before = await targetsOf(dev, first);
    const backedUp = `${objectBackupDirectory({ prefix: PREFIX })}/${before.s3.bucket}/`;
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await waitFor("the backup agent's first canary", 300, async () => {
      const pods = await core.listNamespacedPod({
        namespace: NAMESPACE,
        labelSelector: "app.kubernetes.io/component=backup",
      });
      return pods.items.some(isReady);
    });

    log(
      `drill: steady writes for ${options.steadySeconds ?? 40} s, then bulk objects for ${options.bulkSeconds ?? 20} s`,
    );
    const seen = new Map<string, number>();
    const started = performance.now();
    let polling = true;
    // Stops when told, and by itself after the writes' and catch-up's time plus a margin.
    const pollerDeadline =
      started +
      ((options.steadySeconds ?? 40) + (options.bulkSeconds ?? 20) + (options.catchUpSeconds ?? 300) + 120) *
        1000;
    const poller = (async () => {
      while (polling && performance.now() < pollerDeadline) {
        try {
          for (const key of await listKeys(client, target.bucket, backedUp)) {
            if (!seen.has(key)) seen.set(key, performance.now() - started);
          }
        } catch {
          // the target's listing failing once is not a lag; the bound below catches a dead target
        }
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    })();
    const objects: AckedObject[] = [];
    const rows: AckedRow[] = [];
    const phases = [
      {
        seconds: options.steadySeconds ?? 40,
        http: [before.service],
        bytes: undefined,
        runId: "drill-steady",
      },
      {
        seconds: options.bulkSeconds ?? 20,
        http: [],
        bytes: { min: 1 << 20, max: 4 << 20 },
        runId: "drill-bulk",
      },
    ];
    for (const phase of phases) {
      const offset = performance.now() - started;
      const load = startLoad({
        s3: before.s3,
        http: phase.http,
        maxRequests: 20_000,
        maxSeconds: phase.seconds,
        runId: phase.runId,
        ...(phase.bytes ? { objectBytes: phase.bytes } : {}),
      });
      const result = await load.finished;
      objects.push(...result.objects.map((o) => ({ ...o, atMs: o.atMs + offset })));
      rows.push(...result.rows);
    }
    const keyOf = (o: AckedObject) => `${backedUp}${o.key}`;
    const bound = options.catchUpSeconds ?? 300;
    const deadline = performance.now() + bound * 1000;
    while (objects.some((o) => !seen.has(keyOf(o))) && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    polling = false;
    await poller;
    const lags = objects
      .filter((o) => seen.has(keyOf(o)))
      .map((o) => ((seen.get(keyOf(o)) ?? 0) - o.atMs) / 1000);
    lags.sort((a, b) => a - b);
    const neverBackedUp = objects.filter((o) => !seen.has(keyOf(o))).map((o) => o.key);
    const megabytes = objects.reduce((sum, o) => sum + o.size, 0) / 1e6;
    log(`drill: ${objects.length} objects (${megabytes.toFixed(1)} MB) and ${rows.length} rows acknowledged`);

    const dump = join(work, "uro.dump");
    pgTool("pg_dump", await appDatabase(dev), ["-Fc", "-f", dump]);
    log("drill: destroying the stack with its volumes and its database");
    await tearDownDevStack(dev);
    dev = undefined;

    dev = await prepareDevStack({ passphrase: options.passphrase, config: backupSettings(target, true) });
    pgTool("pg_restore", await appDatabase(dev), ["--no-owner", "--exit-on-error", dump]);
    const upStarted = performance.now();
    const second = (await upWithPack(dev)).up;
    const restoreUpSeconds = (performance.now() - upStarted) / 1000;
    const after = await targetsOf(dev, second);
    const restore = await restoreSummary(kc);
    log(`drill: ${restore.line.trim()}`);

    const check = await checkData({ s3: after.s3, rowsVia: after.service, objects, rows });
    const stackClient = s3Client(after.s3, cidrs, 10_000);
    const listed = new Set(await listKeys(stackClient, after.s3.bucket, ""));
    const missingFromListing = objects.filter((o) => !listed.has(o.key)).map((o) => o.key);
    return {
      objects: objects.length,
      megabytes,
      rows: rows.length,
      lagSeconds: {
        median: lags[Math.floor(lags.length / 2)] ?? Number.NaN,
        max: lags[lags.length - 1] ?? Number.NaN,
      },
      neverBackedUp,
      restore,
      restoreUpSeconds,
      check,
      missingFromListing,
    };
  } finally {
    await tearDownDevStack(dev);
    await removeBackupTarget(kc);
    rmSync(work, { recursive: true, force: true });
  }
}
