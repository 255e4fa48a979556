import {
  KEY_ID_PLACEHOLDER,
  SECRET_KEY_PLACEHOLDER,
  backupScheduleStatements,
  collectionPath,
  restoreStatement,
} from "./backup.ts";
import type { BackupTarget } from "../config/backup.ts";
import { databaseGrantSql } from "./provisioning.ts";
import { REFUSED_EXIT_CODE } from "./scaling.ts";

// The shell of the backup schedule Job and of the restore Job (bash: the cockroach image has it, and the
// key encoding needs its substring expansion). Both read the target's keys from AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY (secretKeyRef env), percent-encode them (an AWS secret key may hold + and /,
// which a URL query would misread), put them in place of the placeholders and hand the SQL to
// `cockroach sql` on stdin: the keys are in no argument, manifest or log line, and nothing is traced.

export interface SqlClient {
  /** The cockroach binary. */
  cockroach: string;
  /** --certs-dir=… or --insecure. */
  securityFlag: string;
  /** host:port of the public Service. */
  host: string;
  /** Tries to reach SQL, five seconds apart. */
  attempts: number;
}

/** Percent-encodes every byte outside RFC 3986's unreserved set (keys are ASCII). */
const URL_ENCODE = [
  "urlencode() {",
  '  local s=$1 out="" c i',
  "  for ((i = 0; i < ${#s}; i++)); do",
  "    c=${s:i:1}",
  "    case $c in",
  "      [A-Za-z0-9._~-]) out+=$c ;;",
  "      *) printf -v c '%%%02X' \"'$c\"; out+=$c ;;",
  "    esac",
  "  done",
  "  printf '%s' \"$out\"",
  "}",
];

function preamble(c: SqlClient): string[] {
  return [
    "set -u",
    "set +x",
    ...URL_ENCODE,
    'key_id=$(urlencode "$AWS_ACCESS_KEY_ID")',
    'secret_key=$(urlencode "$AWS_SECRET_ACCESS_KEY")',
    `sql() { ${c.cockroach} sql ${c.securityFlag} --host=${c.host} --format=tsv "$@"; }`,
    // One value from a one-column query: tsv prints the column's name, then the value.
    'value() { sql --execute="$1" | tail -n 1; }',
    "with_keys() {",
    "  local text",
    "  text=$(cat)",
    `  text=\${text//${KEY_ID_PLACEHOLDER}/$key_id}`,
    `  text=\${text//${SECRET_KEY_PLACEHOLDER}/$secret_key}`,
    "  printf '%s\\n' \"$text\"",
    "}",
    "attempt=0",
    'until sql --execute="SELECT 1" >/dev/null; do',
    "  attempt=$((attempt + 1))",
    `  if [ "$attempt" -ge ${c.attempts} ]; then echo "SQL at ${c.host} never answered" >&2; exit 1; fi`,
    "  sleep 5",
    "done",
  ];
}

/** A quoted heredoc: the shell expands nothing in it; with_keys fills in the keys. */
function sqlWithKeys(statements: string[], failure: string): string[] {
  return [
    "with_keys <<'SQL' | sql || {",
    ...statements.map((s) => `${s};`),
    "SQL",
    `  echo ${JSON.stringify(failure)} >&2`,
    "  exit 1",
    "}",
  ];
}

/** Creates or replaces the stack's backup schedule (idempotent: see backupScheduleStatements). */
export function scheduleJobScript(
  c: SqlClient,
  target: BackupTarget,
  schedule: { full: string; incremental: string },
): string {
  return [
    ...preamble(c),
    ...sqlWithKeys(backupScheduleStatements(target, schedule), "creating the backup schedule failed (above)"),
    // What runs now, without the command (CockroachDB redacts the keys there, but it is long).
    `sql --execute="SELECT label, schedule_status, recurrence, next_run FROM [SHOW SCHEDULES] WHERE label LIKE 'vsekai_backup_%'"`,
  ].join("\n");
}

export interface RestoreScriptOptions {
  database: string;
  /** The database's own user, granted everything in it again after the RESTORE. */
  user: string;
  /** backup.restore.run: recorded on the database so a second run of the same Job changes nothing. */
  run: string;
}

/**
 * RESTORE goes into a new or emptied cluster only. The database the init Job made for the app is empty
 * there (the migration Job waits for this one), so it is dropped with RESTRICT, which CockroachDB itself
 * refuses for a database that holds anything; a database with tables is refused here first, with the
 * way forward. The database's comment records the run, so the same Job run again (after its TTL, on a
 * refresh) finds its own work and stops.
 */
export function restoreJobScript(c: SqlClient, target: BackupTarget, o: RestoreScriptOptions): string {
  const marker = `vsekai restore ${o.run}`;
  const db = o.database;
  return [
    ...preamble(c),
    `exists=$(value "SELECT count(*) FROM [SHOW DATABASES] WHERE database_name = '${db}'")`,
    'if [ "$exists" = 1 ]; then',
    `  comment=$(value "SELECT coalesce(comment, '') FROM [SHOW DATABASES WITH COMMENT] WHERE database_name = '${db}'")`,
    `  if [ "$comment" = '${marker}' ]; then`,
    `    echo "database ${db} was restored by backup.restore.run ${o.run} already; nothing to do"`,
    "    exit 0",
    "  fi",
    `  tables=$(value "SELECT count(*) FROM ${db}.information_schema.tables WHERE table_schema = 'public'")`,
    '  if [ "$tables" != 0 ]; then',
    `    echo "refused: database ${db} already holds $tables table(s); a restore goes into a new or emptied cluster. Bring the stack up as a new stack (or drop ${db} yourself after saving what it holds), then set backup.restore.run again" >&2`,
    `    exit ${REFUSED_EXIT_CODE}`,
    "  fi",
    `  sql --execute="DROP DATABASE ${db} RESTRICT" >/dev/null || exit 1`,
    "fi",
    ...sqlWithKeys(
      [
        restoreStatement(target, [db]),
        `COMMENT ON DATABASE ${db} IS '${marker}'`,
        ...databaseGrantSql(db, o.user),
      ],
      `RESTORE of ${db} failed (above); is there a backup under the target's prefix?`,
    ),
    `echo "restored database ${db} from the latest backup in s3://${target.bucket}/${collectionPath(target)}"`,
  ].join("\n");
}
