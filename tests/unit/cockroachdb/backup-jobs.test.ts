import { describe, expect, it } from "vitest";
import { stackFileConfig, declaredStack } from "../stack/stack-files.ts";
import { field, isSecretEnvelope, ofType, one, type MockState, type Recorded } from "../harness.ts";

// The CockroachDB backup Jobs as the prod stack declares them (cluster mode, TLS): what they run, where
// the keys come from, what waits for the restore, and which connections the NetworkPolicies open.

const JOB = "kubernetes:batch/v1:Job";
const POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
type Env = { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } };
type Container = { name: string; command: string[]; env: Env[]; terminationMessagePolicy?: string };

const jobNamed = (mocks: MockState, name: string): Recorded | undefined =>
  ofType(mocks, JOB).find((r) => field<string>(r, "metadata.name") === name);
const container = (r: Recorded) => field<Container[]>(r, "spec.template.spec.containers")[0] as Container;
const withRestore = (run: string) => ({
  backup: { ...(stackFileConfig("prod").backup as object), restore: { run } },
});

describe("CockroachDB backup Jobs (prod: cluster mode, TLS)", () => {
  it("a schedule Job runs the schedule SQL with the keys only from the credentials Secret", async () => {
    const mocks = await declaredStack("prod");
    const job = jobNamed(mocks, "vsekai-cockroachdb-backup-schedule");
    expect(job).toBeDefined();
    const c = container(job as Recorded);
    expect(c.command.slice(0, 2)).toEqual(["/bin/bash", "-c"]);
    const script = c.command[2] ?? "";
    expect(script).toContain("CREATE SCHEDULE IF NOT EXISTS vsekai_backup_");
    expect(script).toContain(
      "s3://vsekai-backups/prod/cockroachdb?AWS_ENDPOINT=https%3A%2F%2Fs3.eu-central-1.amazonaws.com",
    );
    expect(script).toContain(
      "AWS_ACCESS_KEY_ID=__AWS_ACCESS_KEY_ID__&AWS_SECRET_ACCESS_KEY=__AWS_SECRET_ACCESS_KEY__",
    );
    expect(c.env.filter((e) => e.name.startsWith("AWS_"))).toEqual([
      {
        name: "AWS_ACCESS_KEY_ID",
        valueFrom: { secretKeyRef: { name: "vsekai-backup-credentials", key: "AWS_ACCESS_KEY_ID" } },
      },
      {
        name: "AWS_SECRET_ACCESS_KEY",
        valueFrom: { secretKeyRef: { name: "vsekai-backup-credentials", key: "AWS_SECRET_ACCESS_KEY" } },
      },
    ]);
    expect(c.terminationMessagePolicy).toBe("FallbackToLogsOnError");
    expect(jobNamed(mocks, "vsekai-cockroachdb-restore-drill-1")).toBeUndefined();
  });

  it("keys given as secret config reach the Jobs through the stack's Secret, never as a value", async () => {
    const mocks = await declaredStack("prod", {
      backup: {
        ...(stackFileConfig("prod").backup as Record<string, unknown>),
        credentialsSecret: undefined,
      },
      backupCredentials: { accessKeyId: "AKIAPLAINTEXTCHECK", secretAccessKey: "s3cr3t/plain+text" },
    });
    const secret = one(mocks, "kubernetes:core/v1:Secret", "backup-credentials");
    expect(isSecretEnvelope(secret.inputs.stringData)).toBe(true);
    const c = container(jobNamed(mocks, "vsekai-cockroachdb-backup-schedule") as Recorded);
    expect(c.env.find((e) => e.name === "AWS_SECRET_ACCESS_KEY")?.valueFrom?.secretKeyRef?.name).toBe(
      "vsekai-backup-credentials",
    );
    for (const r of mocks.resources.filter((r) => r !== secret)) {
      expect(JSON.stringify(r.inputs)).not.toContain("s3cr3t/plain+text");
      expect(JSON.stringify(r.inputs)).not.toContain("AKIAPLAINTEXTCHECK");
    }
  });

  it("a restore run adds a restore Job for the app's database that the migration waits for", async () => {
    const mocks = await declaredStack("prod", withRestore("drill-1"));
    const restore = jobNamed(mocks, "vsekai-cockroachdb-restore-drill-1") as Recorded;
    expect(restore).toBeDefined();
    const script = container(restore).command[2] ?? "";
    expect(script).toContain("RESTORE DATABASE uro FROM LATEST IN 's3://vsekai-backups/prod/cockroachdb?");
    expect(script).not.toContain("RESTORE DATABASE seaweedfs");
    expect(field(restore, "spec.podFailurePolicy.rules")).toEqual([
      { action: "FailJob", onExitCodes: { operator: "In", values: [3] } },
    ]);
    const migration = ofType(mocks, JOB).find((r) => r.name.includes("migrat"));
    expect(migration).toBeDefined();
    expect(migration?.dependsOn.some((urn) => urn.endsWith("::cockroachdb-restore"))).toBe(true);
  });

  it("NetworkPolicies let the Jobs reach SQL and the nodes reach the target's port, nothing more", async () => {
    const mocks = await declaredStack("prod");
    const annotations = ofType(mocks, POLICY).map((r) => JSON.stringify(r.inputs));
    expect(
      annotations.some((a) =>
        a.includes("the backup schedule and restore Jobs run their statements over SQL"),
      ),
    ).toBe(true);
    const egress = ofType(mocks, POLICY).find((r) =>
      JSON.stringify(r.inputs).includes("CockroachDB nodes write scheduled backups to the backup target"),
    );
    expect(egress).toBeDefined();
    expect(JSON.stringify(field(egress as Recorded, "spec.egress"))).toContain('"port":443');
  });
});
