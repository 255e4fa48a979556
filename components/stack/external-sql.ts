import * as pulumi from "@pulumi/pulumi";
import type { ExternalSqlSettings } from "../config/types.ts";
import type { SqlConnection, SqlEndpoint } from "../shared/endpoints.ts";

const SSL_MODES: SqlConnection["sslmode"][] = ["disable", "require", "verify-ca", "verify-full"];

/** Splits a postgres:// URL into the settings the SeaweedFS filer's postgres2 store takes. */
export function parseSqlUrl(url: string): SqlConnection {
  const parsed = new URL(url.replace(/^ecto:/, "postgres:"));
  const sslmode = parsed.searchParams.get("sslmode") ?? "require";
  if (!(SSL_MODES as string[]).includes(sslmode)) {
    throw new Error(
      `sslmode=${sslmode} in a database URL is not supported; use one of ${SSL_MODES.join(", ")}`,
    );
  }
  return {
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : 5432,
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database: decodeURIComponent(parsed.pathname.replace(/^\//, "")),
    sslmode: sslmode as SqlConnection["sslmode"],
  };
}

const IPV4 = /^(\d{1,3}\.){3}\d{1,3}$/;

/**
 * An SQL server this stack does not run (CockroachDB Cloud, a managed PostgreSQL, the offline harness's
 * stand-in). Egress is opened to its port only — and to its address too when the URL names an IP.
 */
export function externalSqlEndpoint(settings: ExternalSqlSettings): SqlEndpoint {
  return {
    host: pulumi.output(settings.host),
    port: settings.port,
    appUrl: settings.appUrl,
    filerConnection: settings.filerUrl.apply(parseSqlUrl),
    peer: {
      name: "external-sql",
      external: true,
      cidrs: IPV4.test(settings.host) ? [`${settings.host}/32`] : [],
    },
    ready: [],
  };
}
