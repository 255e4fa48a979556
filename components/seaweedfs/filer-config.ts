import type { SqlConnection } from "../shared/endpoints.ts";

// The filer's metadata store: SeaweedFS's `postgres2` store, in the SQL database the stack already runs.
// It keeps one table per S3 bucket (created on demand from `createTable`, `%s` being the bucket) plus a
// default table for everything else, so deleting a bucket drops a table instead of scanning rows. It speaks
// plain PostgreSQL, which CockroachDB understands (the statements below are the ones SeaweedFS ships, and
// work on both), so filers keep no state of their own and any number of them can share it.

/** Where the filer looks for filer.toml (its last search location; nothing earlier exists in our pods). */
export const FILER_CONFIG_DIR = "/etc/seaweedfs";
export const FILER_CONFIG_FILE = "filer.toml";
/** Where the SQL server's CA certificate is mounted when the connection verifies it. */
export const SQL_CA_DIR = "/etc/seaweedfs-sql-ca";
export const SQL_CA_FILE = "ca.crt";

export const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS "%s" (
  dirhash   BIGINT,
  name      VARCHAR(65535),
  directory VARCHAR(65535),
  meta      bytea,
  PRIMARY KEY (dirhash, name)
);`;

/** Writes only when the entry changed, so re-saving an unchanged entry costs no write intent. */
export const UPSERT_QUERY = `INSERT INTO "%[1]s" (dirhash,name,directory,meta) VALUES($1,$2,$3,$4) ON CONFLICT (dirhash,name) DO UPDATE SET meta = EXCLUDED.meta WHERE "%[1]s".meta != EXCLUDED.meta`;

export interface PoolSettings {
  /** Upper bound on connections per filer; filers × this must fit the server's connection limit. */
  maxOpen: number;
  maxIdle: number;
  /**
   * Connections are recycled this often, so that behind a Service they spread again over the database
   * nodes after one restarts instead of all staying on the survivors.
   */
  maxLifetimeSeconds: number;
}

/** PostgreSQL's default max_connections is 100; a few filers at 20 each leave room for the app. */
export const DEFAULT_POOL: PoolSettings = { maxOpen: 20, maxIdle: 5, maxLifetimeSeconds: 300 };

/** A TOML basic string: quotes, backslashes and control characters escaped. */
export function tomlString(value: string): string {
  let out = '"';
  for (const ch of value) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === "\\") out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\r") out += "\\r";
    else if (code < 0x20 || code === 0x7f) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}

/**
 * The store pastes each setting into a libpq-style `key=value` connection string without quoting it, so
 * a value with a space, quote or backslash (or an empty one) would split or swallow the next setting.
 * Such values are quoted here the way that format (pgx and lib/pq alike) expects; plain ones, which is
 * everything this stack generates, are passed unchanged.
 */
export function connectionValue(value: string): string {
  if (/^[^\s'\\]+$/.test(value)) return value;
  return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/**
 * The complete filer.toml. It holds the password, so it only ever goes into a Secret. `sslrootcert` is
 * set when a CA is mounted and TLS is on, so `verify-ca` / `verify-full` check the server against our CA
 * rather than the system's roots (which do not know a private CockroachDB CA).
 */
export function filerToml(c: SqlConnection, caFile?: string, pool: PoolSettings = DEFAULT_POOL): string {
  if (pool.maxIdle > pool.maxOpen) {
    throw new Error(`filer pool: maxIdle ${pool.maxIdle} is above maxOpen ${pool.maxOpen}`);
  }
  const setting = (key: string, value: string) => `${key} = ${tomlString(connectionValue(value))}`;
  const tls = c.sslmode !== "disable";
  return [
    "# Written by vsekai-infra: the filer keeps its metadata in SQL (postgres2 store).",
    "[filer.options]",
    "recursive_delete = false",
    "",
    "[postgres2]",
    "enabled = true",
    `createTable = '''\n${CREATE_TABLE}\n'''`,
    setting("hostname", c.host),
    `port = ${c.port}`,
    setting("username", c.user),
    ...(c.password === "" ? [] : [setting("password", c.password)]),
    setting("database", c.database),
    // Empty: the user's default search path, i.e. `public` in the filer's own database.
    'schema = ""',
    `sslmode = ${tomlString(c.sslmode)}`,
    ...(tls && caFile ? [setting("sslrootcert", caFile)] : []),
    `connection_max_idle = ${pool.maxIdle}`,
    `connection_max_open = ${pool.maxOpen}`,
    `connection_max_lifetime_seconds = ${pool.maxLifetimeSeconds}`,
    "enableUpsert = true",
    `upsertQuery = '''${UPSERT_QUERY}'''`,
    "",
  ].join("\n");
}
