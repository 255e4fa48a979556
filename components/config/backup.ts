import * as pulumi from "@pulumi/pulumi";
import type { BackupCredentialsInput, BackupInput } from "./backup-schema.ts";
import { longestCronGapMs, parseCron } from "./cron.ts";
import { configKey, type ConfigProblem } from "./errors.ts";
import type { Environment } from "./types.ts";

// The `backup` setting: one S3-compatible target off the cluster, the credentials to write to it, when
// full and incremental backups run and how long they are kept. CockroachDB's backup schedule and
// SeaweedFS's filer.backup both write under the target's prefix (components/cockroachdb/backup.ts,
// components/seaweedfs/backup.ts). Resolution lives here, the shape in backup-schema.ts (apart, so schema.ts
// does not import errors.ts in a cycle); schema.ts/resolve.ts only plug them in.

export const DEFAULT_FULL_SCHEDULE = "0 2 * * *";
export const DEFAULT_INCREMENTAL_SCHEDULE = "0 * * * *";
export const DEFAULT_RETENTION_DAYS = 14;
/** Where each mechanism writes under the target's prefix. */
export const BACKUP_SUBPATHS = { sql: "cockroachdb", objects: "seaweedfs" } as const;

export interface BackupTarget {
  /** Scheme, host and port only, e.g. https://s3.eu-central-1.amazonaws.com. */
  endpoint: string;
  bucket: string;
  /** "" when the bucket holds nothing else. */
  prefix: string;
  region: string;
  pathStyle: boolean;
}

/**
 * Where the keys come from. Either way the workloads read AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY
 * from a Secret: one the stack writes from the encrypted config, or one someone else keeps.
 */
export type BackupCredentials =
  | { source: "config"; value: pulumi.Output<BackupCredentialsInput> }
  | { source: "secret"; secretName: string };

export type BackupSettings =
  | { enabled: false; reason?: string }
  | {
      enabled: true;
      target: BackupTarget;
      credentials: BackupCredentials;
      schedule: { full: string; incremental: string };
      retentionDays: number;
      /**
       * Restore (a Job per `run`): the objects back into the bucket and, in cluster mode, the app's
       * database from CockroachDB's newest backup; absent: no restore.
       */
      restore?: { run: string };
    };

const key = (...path: PropertyKey[]) => configKey(["backup", ...path]);

/** The endpoint must be a bare http(s) origin; plain http only in dev, since the keys travel with it. */
export function backupEndpointProblem(endpoint: string, environment: Environment): string | undefined {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return `${JSON.stringify(endpoint)} is not allowed: expected an http(s) URL such as https://s3.eu-central-1.amazonaws.com`;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return `${JSON.stringify(endpoint)} is not allowed: expected an https:// URL, not ${url.protocol}`;
  }
  if (url.username !== "" || url.password !== "") {
    return `${JSON.stringify(endpoint)} is not allowed: credentials do not belong in the URL; set them with \`pulumi config set --secret --path backupCredentials.accessKeyId …\``;
  }
  if ((url.pathname !== "/" && url.pathname !== "") || url.search !== "" || url.hash !== "") {
    return `${JSON.stringify(endpoint)} is not allowed: expected scheme, host and port only; put the path in backup.target.bucket and backup.target.prefix`;
  }
  if (url.protocol === "http:" && environment !== "dev") {
    return `${JSON.stringify(endpoint)} is not allowed in a ${environment} stack: the backup keys and data would cross the network unencrypted; use https://`;
  }
  return undefined;
}

/** A schedule CockroachDB can run, named by its setting. */
export function cronProblem(expression: string): string | undefined {
  const parsed = parseCron(expression);
  if (typeof parsed !== "string") return undefined;
  return `${JSON.stringify(expression)} is not allowed: ${parsed}`;
}

/**
 * Incremental backups build on the last full one: a retention shorter than the gap between full backups
 * deletes the base of the chain while its increments are still kept, and nothing can be restored.
 */
export function retentionProblem(retentionDays: number, fullSchedule: string): string | undefined {
  const parsed = parseCron(fullSchedule);
  if (typeof parsed === "string") return undefined;
  const gapMs = longestCronGapMs(parsed);
  if (retentionDays * 24 * 3600_000 > gapMs) return undefined;
  const gap = Number.isFinite(gapMs) ? `${Math.round((gapMs / 24 / 3600_000) * 10) / 10} days` : "a year";
  return `${retentionDays} is not allowed: full backups (backup.schedule.full ${JSON.stringify(fullSchedule)}) can be up to ${gap} apart, so the last full backup would expire before the next one exists; keep backups longer than that, or run full backups more often`;
}

const targetRequired = (why: string) =>
  `required: backups are ${why}; give an S3-compatible target (endpoint, bucket, optional prefix, region, pathStyle), or set backup.enabled to false with a backup.reason`;

/**
 * A staging or prod stack that names no target and does not say it goes without backups. Checked when the
 * engine loads the stack (load.ts) rather than in resolveStackConfig, so settings built in code for tests
 * stay minimal; the committed stack files are loaded this way by every preview.
 */
export function backupTargetRequiredProblems(raw: Record<string, unknown>): ConfigProblem[] {
  const environment = raw.environment;
  const backup = (raw.backup ?? {}) as { enabled?: unknown; target?: unknown };
  if (environment !== "staging" && environment !== "prod") return [];
  if (backup.enabled !== undefined || backup.target !== undefined) return [];
  return [{ key: key("target"), message: targetRequired(`on by default in a ${environment} stack`) }];
}

/** What the backup settings cannot be, beyond their shape. Pure, so every message is tested as written. */
export function backupProblems(
  input: BackupInput | undefined,
  credentials: BackupCredentialsInput | undefined,
  environment: Environment,
): ConfigProblem[] {
  const b = input ?? {};
  const enabled = b.enabled ?? environment !== "dev";
  const problems: ConfigProblem[] = [];
  if (!enabled) {
    if (environment !== "dev" && b.reason === undefined) {
      problems.push({
        key: key("reason"),
        message: `required when backup.enabled is false in a ${environment} stack: say why this stack goes without backups (the policy pack reports it), or configure backup.target`,
      });
    }
    for (const k of ["target", "credentialsSecret", "schedule", "retentionDays", "restore"] as const) {
      if (b[k] !== undefined) {
        problems.push({
          key: key(k),
          message: `only applies when backups are enabled, but backup.enabled is false; remove it or enable backups`,
        });
      }
    }
    if (credentials !== undefined) {
      problems.push({
        key: configKey(["backupCredentials"]),
        message: `only applies when backups are enabled, but backup.enabled is false; remove it with \`pulumi config rm backupCredentials\``,
      });
    }
    return problems;
  }
  // Default-on with nothing configured: backupTargetRequiredProblems, at load time, says what is missing.
  const nothingSet = b.target === undefined && b.credentialsSecret === undefined && credentials === undefined;
  if (b.enabled === undefined && nothingSet) return [];
  if (b.reason !== undefined) {
    problems.push({
      key: key("reason"),
      message: `only applies when backup.enabled is false; remove it`,
    });
  }
  if (b.target === undefined) {
    if (b.enabled === true) problems.push({ key: key("target"), message: targetRequired("enabled") });
  } else {
    const endpointIssue = backupEndpointProblem(b.target.endpoint, environment);
    if (endpointIssue !== undefined)
      problems.push({ key: key("target", "endpoint"), message: endpointIssue });
  }
  if (credentials === undefined && b.credentialsSecret === undefined) {
    problems.push({
      key: configKey(["backupCredentials"]),
      message: `required when backups are enabled: set \`pulumi config set --secret --path backupCredentials.accessKeyId …\` and \`… backupCredentials.secretAccessKey …\`, or name an existing Secret with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in backup.credentialsSecret`,
    });
  }
  if (credentials !== undefined && b.credentialsSecret !== undefined) {
    problems.push({
      key: key("credentialsSecret"),
      message: `set either backupCredentials or backup.credentialsSecret, not both: the keys need one source`,
    });
  }
  const full = b.schedule?.full ?? DEFAULT_FULL_SCHEDULE;
  for (const [which, expression] of [
    ["full", full],
    ["incremental", b.schedule?.incremental ?? DEFAULT_INCREMENTAL_SCHEDULE],
  ] as const) {
    const issue = cronProblem(expression);
    if (issue !== undefined) problems.push({ key: key("schedule", which), message: issue });
  }
  const retentionIssue = retentionProblem(b.retentionDays ?? DEFAULT_RETENTION_DAYS, full);
  if (retentionIssue !== undefined) problems.push({ key: key("retentionDays"), message: retentionIssue });
  return problems;
}

/** The backup settings with defaults applied; problems are added to `problems`. */
export function resolveBackup(
  input: { backup?: BackupInput; backupCredentials?: BackupCredentialsInput },
  environment: Environment,
  problems: ConfigProblem[],
): BackupSettings {
  const b = input.backup ?? {};
  problems.push(...backupProblems(input.backup, input.backupCredentials, environment));
  const enabled = b.enabled ?? environment !== "dev";
  if (!enabled || b.target === undefined || backupEndpointProblem(b.target.endpoint, "dev") !== undefined) {
    return { enabled: false, reason: b.reason };
  }
  return {
    enabled: true,
    target: {
      endpoint: new URL(b.target.endpoint).origin,
      bucket: b.target.bucket,
      prefix: b.target.prefix ?? "",
      region: b.target.region ?? "us-east-1",
      pathStyle: b.target.pathStyle ?? false,
    },
    credentials: input.backupCredentials
      ? { source: "config", value: pulumi.secret(input.backupCredentials) }
      : { source: "secret", secretName: b.credentialsSecret ?? "" },
    schedule: {
      full: b.schedule?.full ?? DEFAULT_FULL_SCHEDULE,
      incremental: b.schedule?.incremental ?? DEFAULT_INCREMENTAL_SCHEDULE,
    },
    retentionDays: b.retentionDays ?? DEFAULT_RETENTION_DAYS,
    ...(b.restore === undefined ? {} : { restore: { run: b.restore.run } }),
  };
}
