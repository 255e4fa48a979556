import { writeFileSync } from "node:fs";
import { testTempDir } from "../tempdir.ts";
import { ENDPOINT_DRAIN_SECONDS } from "../../../components/shared/probing.ts";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { PhoenixApp } from "../../../components/app/index.ts";
import { CREDENTIALS_ANNOTATION, credentialsFingerprint } from "../../../components/app/credentials.ts";
import type { AppSettings } from "../../../components/config/types.ts";
import type { SqlEndpoint } from "../../../components/shared/endpoints.ts";
import {
  field,
  installMocks,
  ofType,
  one,
  settle,
  valueOf,
  type MockState,
  type Recorded,
} from "../harness.ts";
import { appArgs, s3Endpoint } from "./fixtures.ts";

type Env = { name: string; value?: unknown; valueFrom?: { secretKeyRef?: { name: string; key: string } } };
type Container = {
  name: string;
  image: string;
  command?: string[];
  env: Env[];
  ports?: { name: string; containerPort: number }[];
  readinessProbe?: { httpGet: { path: string; port: string } };
  livenessProbe?: { httpGet: { path: string; port: string } };
  startupProbe?: { httpGet: { path: string; port: string }; failureThreshold: number; periodSeconds: number };
  securityContext: Record<string, unknown>;
  volumeMounts: { name: string; mountPath: string }[];
  resources: { requests: Record<string, string> };
};

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const JOB = "kubernetes:batch/v1:Job";
const SERVICE = "kubernetes:core/v1:Service";
const SECRET = "kubernetes:core/v1:Secret";

async function build(
  settings: Partial<AppSettings> = {},
  sql: Partial<SqlEndpoint> = {},
): Promise<{ mocks: MockState; app: PhoenixApp }> {
  const mocks = installMocks();
  const app = new PhoenixApp("app", appArgs(settings, sql));
  await valueOf(app.image);
  await settle();
  return { mocks, app };
}

const container = (r: Recorded) => field<Container[]>(r, "spec.template.spec.containers")[0] as Container;
const envNamed = (c: Container, name: string) => c.env.find((e) => e.name === name);

describe("credentialsFingerprint", () => {
  it("depends on every value and name, not on their order, and refuses a short key", () => {
    const key = "k".repeat(32);
    const one = credentialsFingerprint(key, { a: "1", b: "2" });
    expect(credentialsFingerprint(key, { b: "2", a: "1" })).toBe(one);
    expect(credentialsFingerprint(key, { a: "1", b: "3" })).not.toBe(one);
    expect(credentialsFingerprint(key, { a: "1", c: "2" })).not.toBe(one);
    expect(credentialsFingerprint("j".repeat(32), { a: "1", b: "2" })).not.toBe(one);
    expect(() => credentialsFingerprint("short", {})).toThrow("a key of at least 16 characters");
  });
});

describe("PhoenixApp", () => {
  it("runs a Deployment that rolls one extra pod at a time, with named ports, probes and restricted security", async () => {
    const { mocks } = await build();
    const d = one(mocks, DEPLOYMENT);
    expect(field(d, "metadata.name")).toBe("vsekai-uro");
    expect(field(d, "spec.replicas")).toBe(2);
    expect(field(d, "spec.strategy")).toEqual({
      type: "RollingUpdate",
      rollingUpdate: { maxUnavailable: 0, maxSurge: 1 },
    });
    const c = container(d);
    expect(c.image).toBe("ghcr.io/v-sekai/uro:0123abcd");
    expect(c.ports?.map((p) => p.name)).toEqual(["api", "web", "epmd", "erl-dist"]);
    expect(c.readinessProbe?.httpGet).toMatchObject({ path: "/health", port: "api" });
    expect(c.livenessProbe?.httpGet).toMatchObject({ path: "/health", port: "api" });
    expect(c.startupProbe?.httpGet.port).toBe("api");
    expect(c.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
    });
    expect(c.volumeMounts).toContainEqual({ name: "tmp", mountPath: "/tmp" });
    expect(c.resources.requests).toEqual({ cpu: "500m", memory: "1Gi" });
    expect(field(d, "spec.template.spec.automountServiceAccountToken")).toBe(false);
    expect(field(d, "spec.template.spec.securityContext.runAsNonRoot")).toBe(true);
    expect(field(d, "spec.template.spec.topologySpreadConstraints.0.whenUnsatisfiable")).toBe(
      "ScheduleAnyway",
    );
  });

  it("leaves the Service's endpoints before SIGTERM: a preStop wait inside the grace period", async () => {
    const { mocks } = await build();
    const d = one(mocks, DEPLOYMENT);
    expect(field(d, "spec.template.spec.containers.0.lifecycle")).toEqual({
      preStop: { sleep: { seconds: ENDPOINT_DRAIN_SECONDS } },
    });
    expect(field<number>(d, "spec.template.spec.terminationGracePeriodSeconds")).toBeGreaterThan(
      ENDPOINT_DRAIN_SECONDS + 10,
    );
  });

  it("wires every credential through secretKeyRef and generates 64-character secrets", async () => {
    const { mocks } = await build();
    const c = container(one(mocks, DEPLOYMENT));
    expect(envNamed(c, "DATABASE_URL")?.valueFrom?.secretKeyRef).toEqual({
      name: "vsekai-uro-database",
      key: "DATABASE_URL",
    });
    for (const name of ["SECRET_KEY_BASE", "RELEASE_COOKIE", "JOKEN_SIGNER"]) {
      expect(envNamed(c, name)?.valueFrom?.secretKeyRef).toEqual({ name: "vsekai-uro-generated", key: name });
    }
    expect(envNamed(c, "AWS_ACCESS_KEY_ID")?.valueFrom?.secretKeyRef).toEqual({
      name: "vsekai-seaweedfs-app-s3",
      key: "AWS_ACCESS_KEY_ID",
    });
    expect(envNamed(c, "S3_ENDPOINT")?.value).toBe(
      "http://vsekai-seaweedfs-s3.vsekai.svc.cluster.local:8333",
    );
    expect(envNamed(c, "DNS_CLUSTER_QUERY")?.value).toBe("vsekai-uro-peers.vsekai.svc.cluster.local");
    const generated = ofType(mocks, "pulumi-nodejs:dynamic/vsekai:GeneratedSecret").filter(
      (g) => !g.name.endsWith("credentials-key"),
    );
    expect(generated).toHaveLength(3);
    for (const g of generated) expect(g.inputs.length).toBe(64);
  });

  it("rolls the pods when a credential changes, by an HMAC in the pod template that reveals none of them", async () => {
    const annotation = async (sqlUrl: string, accessKeyId: string, secretEnv?: Record<string, string>) => {
      const mocks = installMocks();
      const args = appArgs(secretEnv === undefined ? {} : { secretEnv: pulumi.secret(secretEnv) }, {
        appUrl: pulumi.secret(sqlUrl),
      });
      new PhoenixApp("app", { ...args, s3: { ...args.s3, accessKeyId: pulumi.secret(accessKeyId) } });
      await settle();
      const d = one(mocks, DEPLOYMENT);
      const annotations = field<Record<string, string>>(d, "spec.template.metadata.annotations");
      expect(JSON.stringify(annotations)).not.toMatch(/pw|AKID|hunter/);
      return annotations[CREDENTIALS_ANNOTATION];
    };
    const base = await annotation("ecto://uro:pw@db:26257/uro", "AKID");
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(await annotation("ecto://uro:pw@db:26257/uro", "AKID")).toBe(base);
    expect(await annotation("ecto://uro_r1:pw2@db:26257/uro", "AKID")).not.toBe(base);
    expect(await annotation("ecto://uro:pw@db:26257/uro", "AKID2")).not.toBe(base);
    expect(await annotation("ecto://uro:pw@db:26257/uro", "AKID", { TOKEN: "hunter2" })).not.toBe(base);
  });

  it("mounts the SQL CA and says where, only when the endpoint has one", async () => {
    const withCa = await build();
    const c = container(one(withCa.mocks, DEPLOYMENT));
    expect(envNamed(c, "DATABASE_CA_CERT_FILE")?.value).toBe("/etc/vsekai/sql/ca.crt");
    expect(c.volumeMounts).toContainEqual({ name: "sql-ca", mountPath: "/etc/vsekai/sql", readOnly: true });
    const withoutCa = await build({}, { caSecretName: undefined });
    expect(envNamed(container(one(withoutCa.mocks, DEPLOYMENT)), "DATABASE_CA_CERT_FILE")).toBeUndefined();
  });

  it("puts user secret env in its own Secret and refers to each key", async () => {
    const { mocks } = await build({
      secretEnv: pulumi.secret<Record<string, string>>({ SENDGRID_API_KEY: "sg" }),
      secretEnvNames: ["SENDGRID_API_KEY"],
    });
    expect(ofType(mocks, SECRET).map((s) => field(s, "metadata.name"))).toContain("vsekai-uro-secret-env");
    expect(envNamed(container(one(mocks, DEPLOYMENT)), "SENDGRID_API_KEY")?.valueFrom?.secretKeyRef).toEqual({
      name: "vsekai-uro-secret-env",
      key: "SENDGRID_API_KEY",
    });
  });

  it("migrates once in a Job named by image and command, which gates the Deployment", async () => {
    const { mocks, app } = await build();
    const job = one(mocks, JOB);
    expect(field(job, "metadata.name")).toMatch(/^vsekai-uro-migrate-[0-9a-f]{10}$/);
    expect(field(job, "spec")).toMatchObject({ parallelism: 1, completions: 1, backoffLimit: 2 });
    expect(field<number>(job, "spec.ttlSecondsAfterFinished")).toBeGreaterThan(0);
    const c = container(job);
    expect(c.command).toEqual(["bin/uro", "eval", "Uro.Release.migrate"]);
    expect(c.image).toBe("ghcr.io/v-sekai/uro:0123abcd");
    expect(envNamed(c, "DATABASE_URL")?.valueFrom?.secretKeyRef?.name).toBe("vsekai-uro-database");
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(app.migrationJob).toBeDefined();
    expect(app.rolloutGates).toContain(app.migrationJob);

    const other = await build({ image: "ghcr.io/v-sekai/uro:fedcba98" });
    expect(field(one(other.mocks, JOB), "metadata.name")).not.toBe(field(job, "metadata.name"));
  });

  it("migrates as soon as SQL is ready and rolls after the migration and the S3 credentials, not after S3 itself", async () => {
    installMocks();
    const marker = (name: string) => new pulumi.ComponentResource("test:index:Marker", name);
    const [sqlReady, s3Ready, s3Credentials] = ["sql-ready", "s3-ready", "s3-credentials"].map(marker);
    const args = appArgs({}, { ready: [sqlReady as pulumi.Resource] });
    args.s3 = s3Endpoint({
      ready: [s3Ready as pulumi.Resource],
      secrets: [s3Credentials as pulumi.Resource],
    });
    const app = new PhoenixApp("app", args);
    expect(app.migrationGates).toContain(sqlReady);
    expect(app.migrationGates).not.toContain(s3Ready);
    expect(app.migrationGates).not.toContain(s3Credentials);
    expect(app.rolloutGates).toContain(app.migrationJob);
    expect(app.rolloutGates).toContain(s3Credentials);
    expect(app.rolloutGates).not.toContain(s3Ready);

    const unmigrated = new PhoenixApp("unmigrated", {
      ...args,
      settings: { ...args.settings, migrate: false },
    });
    expect(unmigrated.rolloutGates).toContain(sqlReady);
    await Promise.all([valueOf(app.image), valueOf(unmigrated.image)]);
    await settle();
  });

  it("skips the migration when told to", async () => {
    const { mocks, app } = await build({ migrate: false });
    expect(ofType(mocks, JOB)).toHaveLength(0);
    expect(app.flows.map((f) => f.from.name)).not.toContain("uro-migrate");
  });

  it("has a client Service and a headless, not-ready-publishing Service for clustering", async () => {
    const { mocks } = await build();
    const client = ofType(mocks, SERVICE).find((s) => field(s, "metadata.name") === "vsekai-uro") as Recorded;
    expect(field(client, "spec.ports")).toEqual([
      { name: "api", port: 4000, targetPort: "api", protocol: "TCP" },
      { name: "web", port: 4001, targetPort: "web", protocol: "TCP" },
    ]);
    const peers = one(mocks, SERVICE, "peers");
    expect(field(peers, "metadata.name")).toBe("vsekai-uro-peers");
    expect(field(peers, "spec.clusterIP")).toBe("None");
    expect(field(peers, "spec.publishNotReadyAddresses")).toBe(true);
  });

  it("keeps one pod up with several replicas, and lets the HPA own the count", async () => {
    const fixed = await build();
    expect(field(one(fixed.mocks, "kubernetes:policy/v1:PodDisruptionBudget"), "spec.minAvailable")).toBe(1);
    expect(ofType(fixed.mocks, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler")).toHaveLength(0);

    const scaled = await build({
      replicas: 1,
      autoscaling: { minReplicas: 2, maxReplicas: 6, cpuUtilization: 70 },
    });
    expect(field(one(scaled.mocks, DEPLOYMENT), "spec.replicas")).toBeUndefined();
    const hpa = one(scaled.mocks, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler");
    expect(field(hpa, "spec")).toMatchObject({
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "vsekai-uro" },
      minReplicas: 2,
      maxReplicas: 6,
      metrics: [
        {
          type: "Resource",
          resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } },
        },
      ],
    });
  });

  it("routes Ingress paths to the named Service ports and reports an https URL", async () => {
    const { mocks, app } = await build();
    const ingress = one(mocks, "kubernetes:networking.k8s.io/v1:Ingress");
    const paths = field<{ path: string; backend: { service: { name: string; port: { name: string } } } }[]>(
      ingress,
      "spec.rules.0.http.paths",
    );
    expect(paths.map((p) => [p.path, p.backend.service.name, p.backend.service.port.name])).toEqual([
      ["/", "vsekai-uro", "web"],
      ["/api", "vsekai-uro", "api"],
    ]);
    expect(field(ingress, "spec.tls.0.secretName")).toBe("uro-tls");
    expect(await valueOf(app.url)).toBe("https://uro.example.org");

    const off = await build({ ingress: { enabled: false, paths: [] } });
    expect(ofType(off.mocks, "kubernetes:networking.k8s.io/v1:Ingress")).toHaveLength(0);
    expect(await valueOf(off.app.url)).toBe("http://uro.example.org");
  });

  it("declares the flows the policies need: database, S3, the Erlang cluster, and migrations", async () => {
    const { app } = await build();
    expect(app.flows.map((f) => [f.from.name, f.to.name, f.ports])).toEqual([
      ["uro", "cockroachdb", [26257]],
      ["uro", "seaweedfs-s3", [8333]],
      ["uro", "uro", [4369, 9100]],
      ["uro", "public-https", [443]],
      ["uro-migrate", "cockroachdb", [26257]],
    ]);
    expect(app.peer.selector).toEqual({
      "app.kubernetes.io/name": "uro",
      "app.kubernetes.io/instance": "test",
      "app.kubernetes.io/component": "server",
    });
  });

  it("builds the image from a context, tagged by content, and deploys what it built", async () => {
    const context = testTempDir("uro-build-");
    writeFileSync(join(context, "Dockerfile"), "FROM scratch\n");
    const settings = {
      image: undefined,
      build: { context, dockerfile: "Dockerfile", repository: "registry.local/uro", push: false },
    } satisfies Partial<AppSettings>;
    const { mocks } = await build(settings);
    const image = one(mocks, "docker:index/image:Image");
    expect(field(image, "build.context")).toBe(context);
    expect(field(image, "build.dockerfile")).toBe("Dockerfile");
    expect(field(image, "skipPush")).toBe(true);
    const imageName = field<string>(image, "imageName");
    expect(imageName).toMatch(/^registry\.local\/uro:ctx-[0-9a-f]{16}$/);
    expect(container(one(mocks, DEPLOYMENT)).image).toBe(imageName);
    expect(container(one(mocks, JOB)).image).toBe(imageName);

    writeFileSync(join(context, "mix.exs"), "defmodule Uro.MixProject do end\n");
    const changed = await build(settings);
    expect(field(one(changed.mocks, "docker:index/image:Image"), "imageName")).not.toBe(imageName);
  });
});
