import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { resolveStackConfig } from "../../../components/config/resolve.ts";
import type { CockroachClusterSettings } from "../../../components/config/types.ts";
import { minimalConfig } from "./fixtures.ts";

function cluster(sql: unknown): CockroachClusterSettings {
  const s = sql as CockroachClusterSettings;
  if (s.mode !== "cluster") throw new Error("expected cluster mode");
  return s;
}

describe("environment profiles", () => {
  it("dev is single-node and small, with TLS still on", () => {
    const s = resolveStackConfig(minimalConfig("dev"), "dev");
    const sql = cluster(s.sql);
    expect(sql.nodes).toBe(1);
    expect(sql.tls).toBe(true);
    expect(s.seaweedfs).toMatchObject({ masters: 1, volumeServers: 1, replication: "000", maxVolumes: 18 });
    expect(s.app.replicas).toBe(1);
    expect(s.namespace).toBe("vsekai-dev");
  });

  it.each(["staging", "prod"] as const)("%s is production-shaped", (env) => {
    const s = resolveStackConfig(minimalConfig(env), env);
    const sql = cluster(s.sql);
    expect(sql.nodes).toBe(3);
    expect(sql.tls).toBe(true);
    expect(s.seaweedfs.masters).toBe(3);
    expect(s.seaweedfs.volumeServers).toBe(3);
    expect(s.seaweedfs.replication).toBe("001");
    expect(s.app.replicas).toBeGreaterThanOrEqual(2);
    for (const r of [
      sql.resources,
      s.seaweedfs.masterResources,
      s.seaweedfs.volumeResources,
      s.app.resources,
    ]) {
      expect(r.cpu).toMatch(/./);
      expect(r.memory).toMatch(/i$/);
    }
  });

  it("derives max volumes from the disk and the volume size limit", () => {
    const s = resolveStackConfig(minimalConfig("prod"), "prod");
    // 500Gi less 2% kept free and one volume's room to compact, in 8192 MB volumes.
    expect(s.seaweedfs.maxVolumes).toBe(Math.floor((500 * 1024 * 0.98 - 8192) / 8192));
  });

  it("defaults uro's two endpoints, its migration command and generated secrets", () => {
    const { app } = resolveStackConfig(minimalConfig("prod"), "prod");
    expect(app.ports).toEqual([
      { name: "api", port: 4000, envVar: "PORT" },
      { name: "web", port: 4001, envVar: "WEB_PORT" },
    ]);
    expect(app.migrateCommand).toEqual(["bin/uro", "eval", "Uro.Release.migrate"]);
    expect(app.generatedSecrets).toEqual(["SECRET_KEY_BASE", "RELEASE_COOKIE"]);
    expect(app.ingress.paths).toEqual([
      { path: "/", port: "api" },
      { path: "/web", port: "web" },
    ]);
  });

  it("derives the migration command from the release name and module", () => {
    const raw = {
      environment: "dev",
      app: { image: "x/y:1", releaseName: "uro_standin", releaseModule: "UroStandin" },
    };
    expect(resolveStackConfig(raw, "dev").app.migrateCommand).toEqual([
      "bin/uro_standin",
      "eval",
      "UroStandin.Release.migrate",
    ]);
  });

  it("uses the external database URLs as secrets in external mode", async () => {
    const raw = {
      ...minimalConfig("dev"),
      cockroach: { mode: "external" },
      databaseUrl: "postgres://uro:pw@db.example:5432/uro",
      filerDatabaseUrl: "postgres://fs:pw@db.example:5432/fs",
    };
    const s = resolveStackConfig(raw, "dev");
    expect(s.sql.mode).toBe("external");
    if (s.sql.mode !== "external") return;
    expect(await pulumi.isSecret(s.sql.appUrl)).toBe(true);
  });
});
