import type { SqlConnection } from "../shared/endpoints.ts";

export interface ClientLogin {
  host: string;
  port: number;
  user: string;
  /** Unused by insecure clusters, which cannot check passwords; then left out. */
  password: string;
  database: string;
  tls: boolean;
}

/**
 * A libpq-style URL for a client. With TLS the client must verify the server against our CA (mount the
 * CA Secret). Ecto takes it as DATABASE_URL: it reads user, password, host, port and database from it and
 * ignores the scheme; current Ecto 3 passes other query parameters on as repo options (early 3.x
 * releases refused them) and Postgrex has no `sslmode` option, so an Ecto app must still switch TLS on
 * (`ssl: [cacertfile: …]`) in its own repo config: a secure cluster refuses plaintext SQL connections.
 */
export function connectionUrl(l: ClientLogin): string {
  const credentials = l.tls
    ? `${encodeURIComponent(l.user)}:${encodeURIComponent(l.password)}`
    : encodeURIComponent(l.user);
  const sslmode = l.tls ? "verify-full" : "disable";
  return `postgresql://${credentials}@${l.host}:${l.port}/${encodeURIComponent(l.database)}?sslmode=${sslmode}`;
}

/** The same login in the shape the SeaweedFS filer's postgres2 store is configured with. */
export function sqlConnection(l: ClientLogin): SqlConnection {
  return {
    host: l.host,
    port: l.port,
    user: l.user,
    password: l.tls ? l.password : "",
    database: l.database,
    sslmode: l.tls ? "verify-full" : "disable",
  };
}
