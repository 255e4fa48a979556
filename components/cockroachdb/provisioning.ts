import { appLoginScript, appLoginSql, type AppLoginPlan } from "./app-logins.ts";
import { COCKROACH_BINARY, securityFlag } from "./paths.ts";
import { SQL_PORT } from "./topology.ts";

/** A database and the one user that owns it; the password arrives in `passwordEnv` at run time. */
export interface DatabaseGrant {
  database: string;
  user: string;
  passwordEnv: string;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

/**
 * The SQL that makes each database and user, safe to run any number of times. Passwords are shell
 * references (`${VAR}`) the Job's shell expands from env filled by secretKeyRef, so they appear in no
 * spec, command line or log; they are generated alphanumeric, so they need no SQL quoting. `ALTER USER`
 * after `CREATE USER IF NOT EXISTS` is what applies a rotated password. Each user gets rights on its own
 * database only: CockroachDB lets the `public` role connect to and create in every new database, which
 * is revoked here, so the app cannot read the filer's metadata or the other way round.
 *
 * Insecure clusters cannot store passwords at all (CockroachDB refuses), so there users get none.
 */
export function provisioningSql(grants: DatabaseGrant[], tls: boolean): string {
  const lines: string[] = [];
  for (const g of grants) {
    if (!IDENTIFIER.test(g.database) || !IDENTIFIER.test(g.user)) {
      throw new Error(
        `not a plain SQL identifier: ${JSON.stringify(g.database)} / ${JSON.stringify(g.user)}`,
      );
    }
    if (!ENV_NAME.test(g.passwordEnv))
      throw new Error(`not an env var name: ${JSON.stringify(g.passwordEnv)}`);
    const password = tls ? ` WITH PASSWORD '\${${g.passwordEnv}}'` : "";
    lines.push(
      `CREATE DATABASE IF NOT EXISTS ${g.database};`,
      `CREATE USER IF NOT EXISTS ${g.user}${password};`,
      ...(tls ? [`ALTER USER ${g.user}${password};`] : []),
      ...databaseGrantSql(g.database, g.user).map((statement) => `${statement};`),
    );
  }
  return lines.join("\n");
}

/** The database's own user may do everything in it, and `public` nothing (also after a RESTORE); unterminated. */
export function databaseGrantSql(database: string, user: string): string[] {
  if (!IDENTIFIER.test(database) || !IDENTIFIER.test(user)) {
    throw new Error(`not a plain SQL identifier: ${JSON.stringify(database)} / ${JSON.stringify(user)}`);
  }
  return [
    `REVOKE ALL ON DATABASE ${database} FROM public`,
    `REVOKE ALL ON SCHEMA ${database}.public FROM public`,
    `GRANT ALL ON DATABASE ${database} TO ${user}`,
    `GRANT ALL ON SCHEMA ${database}.public TO ${user}`,
  ];
}

export interface InitJobOptions {
  /** Where `cockroach init` is sent: the first pod, by FQDN. */
  initHost: string;
  /** Where SQL is sent once the cluster is up: the public Service. */
  sqlHost: string;
  tls: boolean;
  grants: DatabaseGrant[];
  /** The app's rotated login (app-logins.ts); its owner must be one of the grants' users. */
  appLogin?: AppLoginPlan;
  /** How many times to try each step, five seconds apart. */
  attempts: number;
}

/**
 * The init Job's shell script: initialise the cluster once, then provision databases and users.
 *
 * `cockroach init` succeeds exactly once per cluster; every later run reports that the cluster is
 * already initialised, which is the state we want, so it counts as success: the Job can be re-run
 * (a replaced Job, a `pulumi up` after its TTL removed it) without harm. Until the nodes are up, init
 * fails with connection errors; those are retried a bounded number of times, and the Job's
 * activeDeadlineSeconds bounds the whole. The SQL goes through an unquoted heredoc, so the shell
 * expands the password variables into cockroach's stdin; nothing is echoed (no `set -x`, and
 * `cockroach sql` does not echo statements unless asked to).
 */
export function initJobScript(o: InitJobOptions): string {
  const cockroach = `${COCKROACH_BINARY}`;
  const flag = securityFlag(o.tls);
  const login = o.appLogin;
  if (login !== undefined && login.generation > 0) {
    if (!o.tls) throw new Error("an insecure cluster checks no password: there is no app login to rotate");
    if (!o.grants.some((g) => g.user === login.owner && g.database === login.database)) {
      throw new Error(`the app login's owner ${login.owner} is not provisioned with ${login.database}`);
    }
  }
  const sql = `${cockroach} sql ${flag} --host=${o.sqlHost}:${SQL_PORT}`;
  const after = login === undefined ? [] : appLoginScript(login, sql);
  return [
    "set -u",
    "attempt=0",
    `until out=$(${cockroach} init ${flag} --host=${o.initHost}:${SQL_PORT} 2>&1); do`,
    `  case "$out" in *"cluster has already been initialized"*) break ;; esac`,
    "  attempt=$((attempt + 1))",
    `  if [ "$attempt" -ge ${o.attempts} ]; then echo "cockroach init failed: $out" >&2; exit 1; fi`,
    "  sleep 5",
    "done",
    'echo "cluster initialised"',
    "attempt=0",
    `until ${sql} --execute="SELECT 1" >/dev/null; do`,
    "  attempt=$((attempt + 1))",
    `  if [ "$attempt" -ge ${o.attempts} ]; then echo "SQL never became available" >&2; exit 1; fi`,
    "  sleep 5",
    "done",
    // Lines after the heredoc run only once every statement went through; without any, its status is the
    // script's (and the script stays as it was before logins rotated, so upgrading re-runs nothing).
    after.length === 0 ? `${sql} <<SQL` : `${sql} <<SQL || { echo "provisioning failed" >&2; exit 1; }`,
    provisioningSql(o.grants, o.tls),
    ...(login === undefined ? [] : appLoginSql(login)),
    "SQL",
    ...after,
  ].join("\n");
}
