import { describe, expect, it } from "vitest";
import {
  initJobScript,
  provisioningSql,
  type DatabaseGrant,
} from "../../../components/cockroachdb/provisioning.ts";

const grants: DatabaseGrant[] = [
  { database: "uro", user: "uro", passwordEnv: "APP_PASSWORD" },
  { database: "seaweedfs", user: "filer", passwordEnv: "FILER_PASSWORD" },
];

describe("provisioningSql", () => {
  const sql = provisioningSql(grants, true);

  it("creates databases and users only if missing, and re-applies the password for rotation", () => {
    expect(sql).toContain("CREATE DATABASE IF NOT EXISTS uro;");
    expect(sql).toContain("CREATE USER IF NOT EXISTS uro WITH PASSWORD '${APP_PASSWORD}';");
    expect(sql).toContain("ALTER USER uro WITH PASSWORD '${APP_PASSWORD}';");
    expect(sql).toContain("CREATE USER IF NOT EXISTS filer WITH PASSWORD '${FILER_PASSWORD}';");
  });

  it("grants each user its own database only, and takes the public role's default rights away", () => {
    expect(sql).toContain("GRANT ALL ON DATABASE uro TO uro;");
    expect(sql).toContain("GRANT ALL ON DATABASE seaweedfs TO filer;");
    expect(sql).not.toMatch(/ON DATABASE seaweedfs TO uro/);
    expect(sql).not.toMatch(/ON DATABASE uro TO filer/);
    expect(sql).toContain("REVOKE ALL ON DATABASE seaweedfs FROM public;");
    expect(sql).toContain("REVOKE ALL ON SCHEMA uro.public FROM public;");
  });

  it("sets no passwords on an insecure cluster, which refuses them", () => {
    const insecure = provisioningSql(grants, false);
    expect(insecure).not.toMatch(/PASSWORD/);
    expect(insecure).toContain("CREATE USER IF NOT EXISTS uro;");
  });

  it("refuses names that would need quoting", () => {
    expect(() => provisioningSql([{ database: "uro; DROP", user: "uro", passwordEnv: "P" }], true)).toThrow();
    expect(() => provisioningSql([{ database: "uro", user: "uro", passwordEnv: "P; rm" }], true)).toThrow();
  });
});

describe("initJobScript", () => {
  const script = initJobScript({
    initHost: "vsekai-cockroachdb-0.vsekai-cockroachdb.ns.svc.cluster.local",
    sqlHost: "vsekai-cockroachdb-public.ns.svc.cluster.local",
    tls: true,
    grants,
    attempts: 7,
  });

  it("initialises through the first pod and treats an initialised cluster as success", () => {
    expect(script).toContain(
      "cockroach init --certs-dir=/cockroach/cockroach-certs --host=vsekai-cockroachdb-0.vsekai-cockroachdb.ns.svc.cluster.local:26257",
    );
    expect(script).toMatch(/\*"cluster has already been initialized"\*\) break/);
  });

  it("bounds its retries", () => {
    expect(script.match(/-ge 7/g)).toHaveLength(2);
    expect(script).toContain("exit 1");
  });

  it("never traces commands, so expanded passwords are not echoed", () => {
    expect(script).not.toMatch(/set -[a-z]*x/);
    expect(script).not.toMatch(/--echo-sql/);
  });

  it("feeds the SQL through an unquoted heredoc, so the shell expands the password variables", () => {
    expect(script).toMatch(/cockroach sql --certs-dir=\S+ --host=vsekai-cockroachdb-public\S+:26257 <<SQL\n/);
    expect(script.trimEnd().endsWith("\nSQL")).toBe(true);
    expect(script).not.toMatch(/<<'SQL'/);
  });

  it("uses --insecure throughout without TLS", () => {
    const insecure = initJobScript({ initHost: "h0", sqlHost: "p", tls: false, grants, attempts: 3 });
    expect(insecure).not.toContain("--certs-dir");
    expect(insecure.match(/--insecure/g)).toHaveLength(3);
  });
});
