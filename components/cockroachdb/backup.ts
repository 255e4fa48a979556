import { createHash } from "node:crypto";
import { BACKUP_SUBPATHS, type BackupTarget } from "../config/backup.ts";

// CockroachDB's own scheduled backups and their restore, as SQL text and the Jobs' shell scripts
// (backup-jobs.ts declares the Jobs). The keys never enter this text: the URL carries the placeholders
// below, which the script replaces at run time with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from the
// credentials Secret, URL-encoded, inside the shell and on cockroach's stdin only (no argument, no echo).
// None of this has run against a live CockroachDB here (no binary or image can be had).

export const KEY_ID_PLACEHOLDER = "__AWS_ACCESS_KEY_ID__";
export const SECRET_KEY_PLACEHOLDER = "__AWS_SECRET_ACCESS_KEY__";
const LABEL_PREFIX = "vsekai_backup";

const sqlString = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** Where in the target bucket the collection lives: `<prefix>/cockroachdb`. */
export function collectionPath(target: Pick<BackupTarget, "prefix">): string {
  return [target.prefix, BACKUP_SUBPATHS.sql].filter((p) => p !== "").join("/");
}

/** The backup collection's s3:// URL; AWS_ENDPOINT and AWS_USE_PATH_STYLE let it reach stores other than AWS. */
export function backupCollectionUrl(target: BackupTarget): string {
  const path = collectionPath(target);
  const query = [
    `AWS_ENDPOINT=${encodeURIComponent(target.endpoint)}`,
    `AWS_REGION=${encodeURIComponent(target.region)}`,
    ...(target.pathStyle ? ["AWS_USE_PATH_STYLE=true"] : []),
    `AWS_ACCESS_KEY_ID=${KEY_ID_PLACEHOLDER}`,
    `AWS_SECRET_ACCESS_KEY=${SECRET_KEY_PLACEHOLDER}`,
  ];
  return `s3://${target.bucket}/${path}?${query.join("&")}`;
}

/**
 * A first full backup at once; a failed run is retried at the next slot rather than pausing the schedule
 * (which would silently stop backups); a run still going when the next is due delays that one; and the
 * node metric `schedules_BACKUP_last_completed_time` is kept current, which monitoring alerts on.
 */
const SCHEDULE_OPTIONS =
  "first_run = 'now', on_execution_failure = 'retry', on_previous_running = 'wait', updates_cluster_last_backup_time_metric";

/**
 * The schedule's label carries a hash of what it was made from, so a changed target or schedule is a new
 * label: the statements drop every other schedule of ours and create this one if it is missing. Run twice,
 * they change nothing the second time.
 */
export function backupScheduleStatements(
  target: BackupTarget,
  schedule: { full: string; incremental: string },
): string[] {
  const url = backupCollectionUrl(target);
  const hash = createHash("sha256")
    .update(JSON.stringify([url, schedule.full, schedule.incremental]))
    .digest("hex")
    .slice(0, 10);
  const label = `${LABEL_PREFIX}_${hash}`;
  return [
    `DROP SCHEDULES SELECT id FROM [SHOW SCHEDULES] WHERE label LIKE ${sqlString(`${LABEL_PREFIX}_%`)} AND label != ${sqlString(label)}`,
    `CREATE SCHEDULE IF NOT EXISTS ${label} FOR BACKUP INTO ${sqlString(url)} RECURRING ${sqlString(schedule.incremental)} FULL BACKUP ${sqlString(schedule.full)} WITH SCHEDULE OPTIONS ${SCHEDULE_OPTIONS}`,
  ];
}

/** Restores the named databases from the newest backup in the collection, into a new or emptied cluster. */
export function restoreStatement(target: BackupTarget, databases: readonly string[]): string {
  return `RESTORE DATABASE ${databases.join(", ")} FROM LATEST IN ${sqlString(backupCollectionUrl(target))}`;
}
