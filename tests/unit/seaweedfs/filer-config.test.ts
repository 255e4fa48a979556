import { describe, expect, it } from "vitest";
import {
  CREATE_TABLE,
  UPSERT_QUERY,
  connectionValue,
  filerToml,
  tomlString,
} from "../../../components/seaweedfs/filer-config.ts";
import { FILER_PASSWORD, filerConnection } from "./fixtures.ts";

function lines(toml: string): string[] {
  return toml.split("\n");
}

describe("filer.toml", () => {
  it("enables only the postgres2 store, with the connection, pool and statements", () => {
    const toml = filerToml(filerConnection(), "/etc/seaweedfs-sql-ca/ca.crt");
    const l = lines(toml);
    expect(l).toContain("[postgres2]");
    expect(l).toContain("enabled = true");
    expect(l).toContain('hostname = "vsekai-cockroachdb-public.vsekai-test.svc.cluster.local"');
    expect(l).toContain("port = 26257");
    expect(l).toContain('username = "seaweedfs"');
    expect(l).toContain(`password = "${FILER_PASSWORD}"`);
    expect(l).toContain('database = "seaweedfs"');
    expect(l).toContain('schema = ""');
    expect(l).toContain('sslmode = "verify-full"');
    expect(l).toContain('sslrootcert = "/etc/seaweedfs-sql-ca/ca.crt"');
    expect(l).toContain("connection_max_open = 20");
    expect(l).toContain("connection_max_idle = 5");
    expect(l).toContain("connection_max_lifetime_seconds = 300");
    expect(l).toContain("enableUpsert = true");
    // No other store is switched on (the image's own filer.toml enables leveldb2).
    expect(toml.match(/^enabled = /gm)).toHaveLength(1);
    expect(toml).not.toContain("leveldb");
    expect(toml.match(/^\[[^\]]+\]$/gm)).toEqual(["[filer.options]", "[postgres2]"]);
  });

  it("creates one table per bucket from a %s template, and upserts only changed entries", () => {
    const toml = filerToml(filerConnection());
    expect(toml).toContain(`createTable = '''\n${CREATE_TABLE}\n'''`);
    expect(CREATE_TABLE).toMatch(/^CREATE TABLE IF NOT EXISTS "%s" \(/);
    expect(CREATE_TABLE).toContain("PRIMARY KEY (dirhash, name)");
    expect(toml).toContain(`upsertQuery = '''${UPSERT_QUERY}'''`);
    expect(UPSERT_QUERY).toContain(
      'ON CONFLICT (dirhash,name) DO UPDATE SET meta = EXCLUDED.meta WHERE "%[1]s".meta != EXCLUDED.meta',
    );
    // Literal strings cannot hold ''' : the statements must never contain it.
    expect(CREATE_TABLE + UPSERT_QUERY).not.toContain("'''");
  });

  it("turns TLS off without a CA path or password for an insecure database", () => {
    const toml = filerToml(filerConnection({ sslmode: "disable", password: "" }), "/etc/ca.crt");
    expect(lines(toml)).toContain('sslmode = "disable"');
    expect(toml).not.toContain("sslrootcert");
    expect(toml).not.toContain("password");
  });

  it("requires TLS without our CA when no CA Secret is given (a public CA, e.g. a managed service)", () => {
    const toml = filerToml(filerConnection({ sslmode: "require", host: "db.example.com", port: 5432 }));
    expect(lines(toml)).toContain('sslmode = "require"');
    expect(lines(toml)).toContain("port = 5432");
    expect(toml).not.toContain("sslrootcert");
  });

  it("quotes a password the connection string would otherwise split, and escapes it for TOML", () => {
    const toml = filerToml(filerConnection({ password: `p w'"\\x` }));
    // TOML: "'p w\'\"\\\\x'" → value 'p w\'"\\x' → the store's key=value parser reads p w'"\x.
    expect(lines(toml)).toContain(`password = "'p w\\\\'\\"\\\\\\\\x'"`);
  });

  it("refuses a pool that keeps more idle connections than it may open", () => {
    expect(() =>
      filerToml(filerConnection(), undefined, { maxOpen: 2, maxIdle: 3, maxLifetimeSeconds: 60 }),
    ).toThrow("filer pool: maxIdle 3 is above maxOpen 2");
  });
});

describe("value encoding", () => {
  it("leaves plain connection values alone and quotes the rest the libpq way", () => {
    expect(connectionValue("Abc123xyz")).toBe("Abc123xyz");
    expect(connectionValue("with space")).toBe("'with space'");
    expect(connectionValue("it's")).toBe("'it\\'s'");
    expect(connectionValue("back\\slash")).toBe("'back\\\\slash'");
    expect(connectionValue("")).toBe("''");
  });

  it("writes TOML basic strings that decode back to the original", () => {
    for (const s of ["plain", 'q"uote', "back\\slash", "new\nline\ttab\r", "bell\u0007del\u007f", "ünï"]) {
      // TOML basic-string escapes used here are a subset of JSON's, so JSON decodes them the same way.
      expect(JSON.parse(tomlString(s)), JSON.stringify(s)).toBe(s);
    }
    expect(tomlString("a\u0001")).toBe('"a\\u0001"');
  });
});
