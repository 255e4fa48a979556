import { randomBytes } from "node:crypto";
import type * as k8s from "@kubernetes/client-node";
import { standinUrl, withStandinSuperuser } from "./sql-standin.ts";

// Second logins on the PostgreSQL stand-in, for rotating the app's database credential the way a user of
// external mode does at their provider: make a second login with the same rights, point databaseUrl at
// it, let the app roll, then stop the old login. The stack only sees a changed databaseUrl.

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

function roleName(name: string): string {
  if (!ROLE_NAME.test(name)) throw new Error(`not a plain role name: ${JSON.stringify(name)}`);
  return name;
}

/**
 * Makes (or resets the password of) `login`, a member of `memberOf` that inherits its rights, so it may use
 * and alter whatever `memberOf` owns; returns its URL for `database`.
 */
export async function addStandinLogin(
  kc: k8s.KubeConfig,
  namespace: string,
  who: { login: string; memberOf: string; database: string },
): Promise<string> {
  const login = roleName(who.login);
  const owner = roleName(who.memberOf);
  const database = roleName(who.database);
  const password = randomBytes(24).toString("hex");
  await withStandinSuperuser(kc, namespace, async (client) => {
    const exists = await client.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [login]);
    if (exists.rowCount === 0) await client.query(`CREATE ROLE ${login} LOGIN INHERIT`);
    // The password is hex: nothing in it needs quoting.
    await client.query(`ALTER ROLE ${login} WITH LOGIN PASSWORD '${password}'`);
    await client.query(`GRANT ${owner} TO ${login}`);
    await client.query(`GRANT CONNECT ON DATABASE ${database} TO ${login}`);
  });
  return standinUrl(namespace, login, password, database);
}

/** Lets `login` log in again, or not (its open sessions stay, as PostgreSQL keeps them). */
export async function setStandinLogin(
  kc: k8s.KubeConfig,
  namespace: string,
  login: string,
  allowed: boolean,
): Promise<void> {
  const role = roleName(login);
  await withStandinSuperuser(kc, namespace, (client) =>
    client.query(`ALTER ROLE ${role} WITH ${allowed ? "LOGIN" : "NOLOGIN"}`),
  );
}

/**
 * Ends every open session of `login` (pg_terminate_backend) and returns how many there were: with its
 * logins stopped too, whatever still used it must log in again, and cannot.
 */
export async function endStandinSessions(
  kc: k8s.KubeConfig,
  namespace: string,
  login: string,
): Promise<number> {
  const role = roleName(login);
  const ended = await withStandinSuperuser(kc, namespace, (client) =>
    client.query<{ ended: string }>(
      "SELECT count(pg_terminate_backend(pid))::text AS ended FROM pg_stat_activity WHERE usename = $1 AND pid <> pg_backend_pid()",
      [role],
    ),
  );
  return Number(ended.rows[0]?.ended ?? 0);
}

/** Open sessions on `database` by user name (the app's pool, the filer, …). */
export async function standinSessions(
  kc: k8s.KubeConfig,
  namespace: string,
  database: string,
): Promise<Record<string, number>> {
  const rows = await withStandinSuperuser(
    kc,
    namespace,
    async (client) =>
      (
        await client.query<{ usename: string; sessions: string }>(
          "SELECT usename, count(*)::text AS sessions FROM pg_stat_activity WHERE datname = $1 GROUP BY usename",
          [database],
        )
      ).rows,
  );
  return Object.fromEntries(rows.map((r) => [r.usename, Number(r.sessions)]));
}
