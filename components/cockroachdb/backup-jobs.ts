import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { BackupTarget } from "../config/backup.ts";
import {
  BACKUP_KEY_ID_KEY,
  BACKUP_SECRET_KEY_KEY,
  BACKUP_TARGET_PEER,
  backupTargetPort,
} from "../shared/backup-target.ts";
import type { Flow, Peer } from "../shared/endpoints.ts";
import { restoreJobScript, scheduleJobScript, type SqlClient } from "./backup-scripts.ts";
import { COCKROACH_BINARY, securityFlag } from "./paths.ts";
import { declareClientJob } from "./client-job.ts";
import type { ClientJobArgs } from "./pod.ts";
import { SQL_PORT, publicFqdn } from "./topology.ts";

// The two Jobs behind CockroachDB's backups (scripts in backup-scripts.ts): one that creates or replaces
// the backup schedule whenever the settings change, and, when `backup.restore.run` is set, one that
// restores the app's database from the newest backup before the app's migration runs.

/** What the cluster component is given when backups are on. */
export interface CockroachBackup {
  target: BackupTarget;
  /** A Secret with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. */
  credentialsSecretName: pulumi.Input<string>;
  schedule: { full: string; incremental: string };
  restore?: { run: string };
}

/** Reaching SQL: 60 tries 5 s apart. */
const ATTEMPTS = 60;
/** A restore copies the whole database back; six hours bound a large one (the object restore's bound). */
const RESTORE_DEADLINE_SECONDS = 6 * 3600;
const WEEK_SECONDS = 7 * 24 * 3600;

export interface BackupJobs {
  schedule: k8s.batch.v1.Job;
  restore?: k8s.batch.v1.Job;
  /** The Jobs' pods, which reach the nodes' SQL port. */
  peer: Peer;
}

export interface BackupJobsArgs extends ClientJobArgs {
  backup: CockroachBackup;
}

export function declareBackupJobs(o: BackupJobsArgs): BackupJobs {
  const s = o.settings;
  const client: SqlClient = {
    cockroach: COCKROACH_BINARY,
    securityFlag: securityFlag(s.tls),
    host: `${publicFqdn(o.address)}:${SQL_PORT}`,
    attempts: ATTEMPTS,
  };
  const env = [BACKUP_KEY_ID_KEY, BACKUP_SECRET_KEY_KEY].map((key) => ({
    name: key,
    valueFrom: { secretKeyRef: { name: o.backup.credentialsSecretName, key } },
  }));
  const base = o.address.names.statefulSet;
  // One label component for both, so one flow lets them reach SQL.
  const job = (role: string, objectName: string, script: string, deadlineSeconds: number) =>
    declareClientJob(o, {
      role,
      objectName,
      component: "backup",
      command: ["/bin/bash", "-c", script],
      env,
      deadlineSeconds,
      // Kept a week for its log; a refresh that finds it gone runs it again, which each makes harmless.
      ttlSeconds: WEEK_SECONDS,
      timeout: "6h",
    });
  const schedule = job(
    "backup-schedule",
    `${base}-backup-schedule`,
    scheduleJobScript(client, o.backup.target, o.backup.schedule),
    ATTEMPTS * 5 + 600,
  );
  const run = o.backup.restore?.run;
  const restore =
    run === undefined
      ? undefined
      : job(
          "restore",
          `${base}-restore-${run}`,
          restoreJobScript(client, o.backup.target, { database: s.database, user: s.user, run }),
          RESTORE_DEADLINE_SECONDS,
        );
  return { schedule: schedule.job, ...(restore ? { restore: restore.job } : {}), peer: schedule.peer };
}

/** The Jobs speak SQL to the nodes; the nodes themselves write the backups to the target and read them back. */
export function backupFlows(nodes: Peer, jobs: Peer, target: BackupTarget): Flow[] {
  return [
    {
      from: jobs,
      to: nodes,
      ports: [SQL_PORT],
      reason: "the backup schedule and restore Jobs run their statements over SQL",
    },
    {
      from: nodes,
      to: BACKUP_TARGET_PEER,
      ports: [backupTargetPort(target)],
      reason: "CockroachDB nodes write scheduled backups to the backup target and read them in a restore",
    },
  ];
}
