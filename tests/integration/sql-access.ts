import type pg from "pg";
import { parse } from "smol-toml";
import type { SqlConnection } from "../../components/shared/endpoints.ts";

// How the integration tests reach the stack's SQL tier from this host: it is not inside the cluster's
// DNS, so a Service name is swapped for its cluster IP, and with TLS the server's certificate is still
// checked against the stack's CA for the name the stack gave (the certificate names Services, not IPs).

/** A login as the stack hands it out (a client URL, or the filer's postgres2 settings); "" is no password. */
export type SqlLogin = SqlConnection;

const SSL_MODES: readonly string[] = ["disable", "require", "verify-ca", "verify-full"];

function sslmodeOf(value: string | null, where: string): SqlLogin["sslmode"] {
  if (value === null || !SSL_MODES.includes(value)) {
    throw new Error(`${where}: sslmode ${JSON.stringify(value)} is not one of ${SSL_MODES.join(", ")}`);
  }
  return value as SqlLogin["sslmode"];
}

export function loginFromUrl(url: string): SqlLogin {
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 5432),
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database: decodeURIComponent(parsed.pathname.replace(/^\//, "")),
    sslmode: sslmodeOf(parsed.searchParams.get("sslmode"), `the URL for ${parsed.hostname}`),
  };
}

/** The filer's own login, from the filer.toml its pods mount (what the filer really uses). */
export function loginFromFilerToml(toml: string): SqlLogin {
  const store = (parse(toml) as { postgres2?: Record<string, unknown> }).postgres2;
  if (store === undefined || store.enabled !== true) throw new Error("filer.toml enables no postgres2 store");
  const text = (key: string): string => {
    const value = store[key];
    if (typeof value !== "string") throw new Error(`filer.toml: postgres2.${key} is not a string`);
    return value;
  };
  return {
    host: text("hostname"),
    port: Number(store.port),
    user: text("username"),
    password: typeof store.password === "string" ? store.password : "",
    database: text("database"),
    sslmode: sslmodeOf(text("sslmode"), "filer.toml"),
  };
}

/**
 * A pg client configuration for a login, connecting to `address` instead of the login's host. With
 * `verify-full` the CA is required and the certificate is checked against the login's host name.
 */
export function clientConfig(login: SqlLogin, address: string, ca?: string): pg.ClientConfig {
  const base: pg.ClientConfig = {
    host: address,
    port: login.port,
    user: login.user,
    password: login.password === "" ? undefined : login.password,
    database: login.database,
    connectionTimeoutMillis: 10_000,
  };
  if (login.sslmode === "disable") return { ...base, ssl: false };
  if (ca === undefined) throw new Error(`sslmode ${login.sslmode} for ${login.host} needs the stack's CA`);
  return {
    ...base,
    ssl: {
      ca,
      rejectUnauthorized: true,
      servername: login.host,
      ...(login.sslmode === "verify-ca" ? { checkServerIdentity: () => undefined } : {}),
    },
  };
}
