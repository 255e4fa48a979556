import { describe, expect, it } from "vitest";
import type { BackupTarget } from "../../../components/config/backup.ts";
import { resolveStackConfig } from "../../../components/config/resolve.ts";
import {
  backupAgentEnv,
  filerBackupArgs,
  filerBackupToml,
  objectBackupDirectory,
} from "../../../components/seaweedfs/backup.ts";
import { seaweedfsFlows, type SeaweedfsPeers } from "../../../components/seaweedfs/flows.ts";
import { backupTargetPort } from "../../../components/shared/backup-target.ts";
import { restoreEnv, restoreJobName } from "../../../components/seaweedfs/restore.ts";
import type { SqlEndpoint } from "../../../components/shared/endpoints.ts";
import type { MockState } from "../harness.ts";
import { declaredStack, stackFileConfig } from "../stack/stack-files.ts";

const target: BackupTarget = {
  endpoint: "https://s3.eu-central-1.amazonaws.com",
  bucket: "vsekai-backups",
  prefix: "prod/eu",
  region: "eu-central-1",
  pathStyle: false,
};

describe("filer.backup's configuration", () => {
  it("writes every bucket under <prefix>/seaweedfs, with no keys in the file", () => {
    const toml = filerBackupToml(target);
    expect(toml).toContain('directory = "/prod/eu/seaweedfs"');
    expect(toml).toContain('endpoint = "https://s3.eu-central-1.amazonaws.com"');
    expect(toml).toContain('bucket = "vsekai-backups"');
    expect(toml).toContain("s3_force_path_style = false");
    // weed reads uploader_part_size; without it the part size is 0.
    expect(toml).toContain("uploader_part_size = 8");
    expect(toml).toMatch(/aws_access_key_id = ""\naws_secret_access_key = ""/);
  });

  it("puts the subpath alone when the bucket has no prefix", () => {
    expect(objectBackupDirectory({ ...target, prefix: "" })).toBe("seaweedfs");
    expect(filerBackupToml({ ...target, prefix: "" })).toContain('directory = "/seaweedfs"');
  });

  it("follows /buckets and never mirrors deletions", () => {
    expect(filerBackupArgs("f:8888")).toEqual([
      "-logtostderr=true",
      "filer.backup",
      "-filer=f:8888",
      "-filerPath=/buckets",
      "-doDeleteFiles=false",
    ]);
  });

  it("gives the agent its canary and the keys by Secret reference only", () => {
    const env = backupAgentEnv(target, "filer.ns.svc.cluster.local:8888", "keys");
    const byName = new Map(env.map((e) => [e.name, e]));
    expect(byName.get("CANARY_URL")?.value).toBe(
      "http://filer.ns.svc.cluster.local:8888/buckets/.vsekai-backup-canary",
    );
    expect(byName.get("CANARY_KEY")?.value).toBe("prod/eu/seaweedfs/.vsekai-backup-canary");
    for (const name of [
      "AWS_ACCESS_KEY_ID",
      "AWS_SECRET_ACCESS_KEY",
      "TARGET_ACCESS_KEY_ID",
      "TARGET_SECRET_ACCESS_KEY",
    ]) {
      expect(byName.get(name)?.value, name).toBeUndefined();
      expect(byName.get(name)?.valueFrom).toEqual({
        secretKeyRef: { name: "keys", key: name.replace("TARGET_", "AWS_") },
      });
    }
  });
});

describe("the restore Job's environment", () => {
  const env = restoreEnv({
    target,
    backupCredentialsSecret: "keys",
    bucket: "uro",
    s3Url: "http://s3.ns.svc.cluster.local:8333",
    s3CredentialsSecret: "app-s3",
  });
  const byName = new Map(env.map((e) => [e.name, e]));

  it("reads the bucket's backup and writes into the bucket through the stack's gateway", () => {
    expect(byName.get("SOURCE_PREFIX")?.value).toBe("prod/eu/seaweedfs/uro");
    expect(byName.get("SOURCE_PATH_STYLE")?.value).toBe("false");
    expect(byName.get("DEST_ENDPOINT")?.value).toBe("http://s3.ns.svc.cluster.local:8333");
    expect(byName.get("DEST_BUCKET")?.value).toBe("uro");
  });

  it("takes both pairs of keys from Secrets", () => {
    const refs = env.filter((e) => e.valueFrom !== undefined).map((e) => [e.name, e.valueFrom]);
    expect(refs).toEqual([
      ["SOURCE_ACCESS_KEY_ID", { secretKeyRef: { name: "keys", key: "AWS_ACCESS_KEY_ID" } }],
      ["SOURCE_SECRET_ACCESS_KEY", { secretKeyRef: { name: "keys", key: "AWS_SECRET_ACCESS_KEY" } }],
      ["DEST_ACCESS_KEY_ID", { secretKeyRef: { name: "app-s3", key: "AWS_ACCESS_KEY_ID" } }],
      ["DEST_SECRET_ACCESS_KEY", { secretKeyRef: { name: "app-s3", key: "AWS_SECRET_ACCESS_KEY" } }],
    ]);
  });

  it("names one Job per run, within Kubernetes' 63 characters", () => {
    expect(restoreJobName("vsekai-seaweedfs-restore", "2026-12-03")).toBe(
      "vsekai-seaweedfs-restore-2026-12-03",
    );
    expect(restoreJobName("x".repeat(60), "abcd-e").length).toBeLessThanOrEqual(63);
    expect(restoreJobName("x".repeat(60), "abcd-e")).not.toMatch(/-$/);
  });
});

describe("the backup's network flows", () => {
  const peer = (name: string) => ({ name, selector: { c: name } });
  const peers: SeaweedfsPeers = {
    master: peer("master"),
    volume: peer("volume"),
    filer: peer("filer"),
    s3: peer("s3"),
    bucketJob: peer("bucket"),
    evacuateJob: peer("evacuate"),
    s3KeysJob: peer("s3KeysJob"),
    backup: peer("backup"),
    restore: peer("restore"),
  };
  const sql = { peer: peer("sql"), port: 26257 } as unknown as SqlEndpoint;
  const targetFlows = (flows: ReturnType<typeof seaweedfsFlows>) =>
    flows.filter((f) => f.to.name === "backup-target").map((f) => [f.from.name, f.ports]);

  it("reach the target on its port only when backups are on, and the restore Job only when asked", () => {
    expect(targetFlows(seaweedfsFlows(peers, sql))).toEqual([]);
    expect(targetFlows(seaweedfsFlows(peers, sql, { target, restore: false }))).toEqual([["backup", [443]]]);
    expect(
      targetFlows(
        seaweedfsFlows(peers, sql, {
          target: { ...target, endpoint: "http://10.0.0.7:8333" },
          restore: true,
        }),
      ),
    ).toEqual([
      ["backup", [8333]],
      ["restore", [8333]],
    ]);
  });

  it("take the port from the endpoint, else from its scheme", () => {
    expect(backupTargetPort(target)).toBe(443);
    expect(backupTargetPort({ ...target, endpoint: "http://minio.local" })).toBe(80);
    expect(backupTargetPort({ ...target, endpoint: "https://s3.local:9443" })).toBe(9443);
  });
});

const declared = declaredStack;

const names = (mocks: MockState, type: string) =>
  mocks.resources.filter((r) => r.type === type).map((r) => (r.inputs.metadata as { name: string }).name);

describe("a stack's backup objects", () => {
  it("are none in dev, where backups are off", async () => {
    const mocks = await declared("dev");
    expect(names(mocks, "kubernetes:apps/v1:Deployment")).not.toContain("vsekai-seaweedfs-backup");
  });

  it("are filer.backup's agent in prod, and a restore Job only for a run", async () => {
    const mocks = await declared("prod");
    expect(names(mocks, "kubernetes:apps/v1:Deployment")).toContain("vsekai-seaweedfs-backup");
    expect(names(mocks, "kubernetes:batch/v1:Job").filter((n) => n.includes("restore"))).toEqual([]);
    const backup = { ...(stackFileConfig("prod").backup as object), restore: { run: "drill-1" } };
    const restoring = await declared("prod", { backup });
    expect(names(restoring, "kubernetes:batch/v1:Job")).toContain("vsekai-seaweedfs-restore-drill-1");
  });

  it("refuses a restore run that is no Kubernetes name, naming the setting", () => {
    const backup = { ...(stackFileConfig("prod").backup as object), restore: { run: "Drill 1" } };
    expect(() => resolveStackConfig({ ...stackFileConfig("prod"), backup }, "prod")).toThrow(
      /backup\.restore\.run.*1-20 lowercase letters, digits or -/s,
    );
  });
});
