import { appLoginName } from "../config/cockroach-rules.ts";
import { acceptedGenerations } from "../shared/generations.ts";

// Rotating the app's database password without a failed request (cockroach.appLoginGeneration).
//
// CockroachDB keeps one password per user, so changing the app user's password in place would fail every
// connection of the pods still holding the old one until they rolled. Each generation above 0 is therefore
// a login of its own, `<user>_g<N>` with its own generated password, made a member of `<user>`, which keeps
// owning the app's database and everything in it: members of a role have all of its privileges, and an
// object's owner has all privileges on it, so every login can use what any of them made. The order of a
// rotation, in one `pulumi up`: the init Job (replaced, since its script and password hash change) makes
// the new login while the previous one still logs in; only then does the app's Secret get the new URL,
// and the app rolls onto it one pod at a time. Retiring (retirePreviousAppLogins) then stops the previous
// login (NOLOGIN, never DROP: a dropped role's grants and objects would need moving first, and a stopped
// one costs nothing).
//
// Tables the migration of a new release makes under login N belong to login N. Two things keep them the
// app's: default privileges give `<user>` every privilege on what login N makes, and each run of the init
// Job hands what every other login owns to `<user>` (REASSIGN OWNED), so ownership never stays with a login
// that is about to stop.

export interface AppLoginPlan {
  database: string;
  /** The user that owns the app's database: generation 0's login, and the role every later login joins. */
  owner: string;
  generation: number;
  retirePrevious: boolean;
  /** The env var the current login's password arrives in (generation above 0). */
  passwordEnv: string;
}

/** The logins that may log in, newest first; the first is the one the app is given. */
export function acceptedAppLogins(p: AppLoginPlan): string[] {
  return acceptedGenerations(p.generation, p.retirePrevious).map((g) => appLoginName(p.owner, g));
}

/**
 * The statements that make the current login and set the owner's own login on or off; run after the
 * owner and its database exist (provisioning.ts), by root. Empty at generation 0, which is the owner
 * itself. Idempotent, like the rest of provisioning: a re-run re-applies the same password.
 */
export function appLoginSql(p: AppLoginPlan): string[] {
  if (p.generation === 0) return [];
  const login = appLoginName(p.owner, p.generation);
  const password = `WITH LOGIN PASSWORD '\${${p.passwordEnv}}'`;
  const ownerLogs = acceptedAppLogins(p).includes(p.owner);
  return [
    `CREATE USER IF NOT EXISTS ${login} ${password};`,
    `ALTER USER ${login} ${password};`,
    `GRANT ${p.owner} TO ${login};`,
    // Default privileges apply to the current database.
    `USE ${p.database};`,
    ...["TABLES", "SEQUENCES", "TYPES"].map(
      (kind) => `ALTER DEFAULT PRIVILEGES FOR ROLE ${login} GRANT ALL ON ${kind} TO ${p.owner};`,
    ),
    `ALTER USER ${p.owner} WITH ${ownerLogs ? "LOGIN" : "NOLOGIN"};`,
  ];
}

/**
 * Shell lines that find every earlier login in the cluster itself (so no memory of past generations is
 * needed, and a stack that started above 1 has none to miss), hand what each owns in the app's database to
 * the owner, and stop those no longer accepted. `sql` is the cockroach client command with its security
 * and host flags. Names are checked against the login pattern before they reach a statement.
 */
export function appLoginScript(p: AppLoginPlan, sql: string): string[] {
  if (p.generation === 0) return [];
  const [current, previous] = acceptedAppLogins(p);
  const pattern = `^${p.owner}_g[0-9]+\\$`;
  return [
    `logins=$(${sql} --format=csv --execute="SELECT username FROM [SHOW USERS] WHERE username ~ '${pattern}' ORDER BY username") || {`,
    `  echo "could not list the app's logins" >&2; exit 1; }`,
    `logins=$(printf '%s\\n' "$logins" | tail -n +2)`,
    // Every name is checked before any statement, so a surprise changes nothing.
    `for login in $logins; do`,
    `  case "$login" in ${p.owner}_g[0-9]*) ;; *) echo "not one of the app's logins: $login" >&2; exit 1 ;; esac`,
    `done`,
    `for login in $logins; do`,
    `  case "$login" in`,
    `    ${current}) continue ;;`,
    ...(previous !== undefined && previous !== p.owner ? [`    ${previous}) keep=1 ;;`] : []),
    `    *) keep=0 ;;`,
    `  esac`,
    `  ${sql} --database=${p.database} --execute="REASSIGN OWNED BY $login TO ${p.owner}" >/dev/null || {`,
    `    echo "could not hand what $login owns to ${p.owner}" >&2; exit 1; }`,
    `  [ "$keep" = 1 ] && continue`,
    `  ${sql} --execute="ALTER USER $login WITH NOLOGIN" >/dev/null || {`,
    `    echo "could not stop the login $login" >&2; exit 1; }`,
    `  echo "login $login stopped"`,
    `done`,
    `echo "the app logs in as ${current}"`,
  ];
}
