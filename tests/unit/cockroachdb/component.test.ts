import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { beforeEach, describe, expect, it } from "vitest";
import {
  CERT_HASH_ANNOTATION,
  CockroachCluster,
  PASSWORD_HASH_ANNOTATION,
} from "../../../components/cockroachdb/index.ts";
import type { CockroachClusterSettings } from "../../../components/config/types.ts";
import {
  field,
  installMocks,
  ofType,
  one,
  settle,
  secretKeys,
  valueOf,
  type MockState,
  type Recorded,
} from "../harness.ts";
import { clusterArgs } from "./fixtures.ts";

type Container = {
  name: string;
  args?: string[];
  command?: string[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  ports?: { name: string; containerPort: number }[];
  readinessProbe?: { httpGet: { path: string; port: string; scheme: string } };
  livenessProbe?: { httpGet: { path: string; port: string; scheme: string } };
  startupProbe?: { httpGet: { path: string; port: string; scheme: string } };
  lifecycle?: { preStop: { exec: { command: string[] } } };
  resources?: { requests: Record<string, string>; limits: Record<string, string> };
  securityContext?: Record<string, unknown>;
  volumeMounts?: { name: string; mountPath: string }[];
};

const STS = "kubernetes:apps/v1:StatefulSet";
const JOB = "kubernetes:batch/v1:Job";
const SECRET = "kubernetes:core/v1:Secret";
const SERVICE = "kubernetes:core/v1:Service";
const CERTIFICATE = "pulumi-nodejs:dynamic/vsekai:IssuedCertificate";
const AUTHORITY = "pulumi-nodejs:dynamic/vsekai:CertificateAuthority";
async function build(
  overrides: Partial<CockroachClusterSettings> = {},
): Promise<{ mocks: MockState; cluster: CockroachCluster }> {
  const mocks = installMocks();
  const cluster = new CockroachCluster("cockroachdb", clusterArgs(overrides));
  await valueOf(cluster.endpoint.appUrl);
  await settle();
  return { mocks, cluster };
}

function containers(r: Recorded, path = "spec.template.spec.containers"): Container[] {
  return field<Container[]>(r, path);
}

function allContainers(r: Recorded): Container[] {
  return [...containers(r), ...(containers(r, "spec.template.spec.initContainers") ?? [])];
}

describe("CockroachCluster with TLS", () => {
  let mocks: MockState;
  let cluster: CockroachCluster;
  let sts: Recorded;
  let node: Container;

  beforeEach(async () => {
    ({ mocks, cluster } = await build());
    sts = one(mocks, STS);
    node = containers(sts)[0] as Container;
  });

  it("names the StatefulSet and skips Pulumi's await on it", () => {
    expect(field(sts, "metadata.name")).toBe("vsekai-cockroachdb");
    expect(field(sts, "metadata.annotations")).toEqual({ "pulumi.com/skipAwait": "true" });
    expect(field(sts, "spec.serviceName")).toBe("vsekai-cockroachdb");
    expect(field(sts, "spec.podManagementPolicy")).toBe("Parallel");
    expect(field(sts, "spec.updateStrategy.type")).toBe("RollingUpdate");
    expect(field(sts, "spec.replicas")).toBe(3);
  });

  it("starts each node with the seeds, its FQDN, certs and memory from the limit", () => {
    expect(node.command).toEqual(["/cockroach/cockroach"]);
    const args = node.args ?? [];
    expect(args).toContain(
      "--join=" +
        [0, 1, 2]
          .map((n) => `vsekai-cockroachdb-${n}.vsekai-cockroachdb.vsekai-test.svc.cluster.local:26257`)
          .join(","),
    );
    expect(args).toContain(
      "--advertise-addr=$(POD_NAME).vsekai-cockroachdb.vsekai-test.svc.cluster.local:26257",
    );
    expect(args).toContain("--certs-dir=/cockroach/cockroach-certs");
    expect(args).toContain("--cache=1024MiB");
    expect(args).toContain("--max-sql-memory=1024MiB");
    expect(node.env).toContainEqual({
      name: "POD_NAME",
      valueFrom: { fieldRef: { fieldPath: "metadata.name" } },
    });
  });

  it("probes /health over HTTPS on the http port, and waits for full replication then drains on preStop", () => {
    expect(node.ports).toEqual([
      { name: "sql", containerPort: 26257, protocol: "TCP" },
      { name: "http", containerPort: 8080, protocol: "TCP" },
    ]);
    expect(node.readinessProbe?.httpGet).toEqual({ path: "/health?ready=1", port: "http", scheme: "HTTPS" });
    expect(node.livenessProbe?.httpGet).toEqual({ path: "/health", port: "http", scheme: "HTTPS" });
    expect(node.startupProbe?.httpGet.path).toBe("/health");
    expect(node.lifecycle?.preStop.exec.command).toEqual(
      expect.arrayContaining(["node", "drain", "--self", "--certs-dir=/cockroach/cockroach-certs"]),
    );
    expect(node.lifecycle?.preStop.exec.command.slice(0, 2)).toEqual(["/bin/bash", "-c"]);
    expect(node.lifecycle?.preStop.exec.command[2]).toContain("ranges.underreplicated");
    // 150 s of waiting for replication and the drain's 240 s.
    expect(field(sts, "spec.template.spec.terminationGracePeriodSeconds")).toBe(420);
  });

  it("runs every container restricted as uid 1000 with resources, writing only to volumes", () => {
    expect(field(sts, "spec.template.spec.securityContext")).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      fsGroup: 1000,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(field(sts, "spec.template.spec.automountServiceAccountToken")).toBe(false);
    const all = allContainers(sts);
    expect(all.map((c) => c.name)).toEqual(["cockroachdb", "copy-certs"]);
    for (const c of all) {
      expect(c.securityContext, c.name).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
      });
      expect(c.resources?.requests.memory, c.name).toBeDefined();
      expect(c.resources?.limits.cpu, c.name).toBeDefined();
    }
    expect(node.volumeMounts).toEqual([
      { name: "datadir", mountPath: "/cockroach/cockroach-data" },
      { name: "certs", mountPath: "/cockroach/cockroach-certs" },
      { name: "tmp", mountPath: "/tmp" },
    ]);
    expect(node.env).toContainEqual({ name: "HOME", value: "/tmp" });
  });

  it("copies certificates from the Secrets into a memory emptyDir before the node starts", () => {
    const copy = containers(sts, "spec.template.spec.initContainers")[0] as Container;
    const script = copy.command?.[2] ?? "";
    for (const f of ["ca.crt", "node.crt", "node.key", "client.root.crt", "client.root.key"]) {
      expect(script).toContain(`/cockroach/cockroach-certs/${f}`);
    }
    expect(script).toMatch(/chmod 0400/);
    const volumes = field<{ name: string; emptyDir?: { medium?: string }; projected?: unknown }[]>(
      sts,
      "spec.template.spec.volumes",
    );
    expect(volumes.find((v) => v.name === "certs")?.emptyDir?.medium).toBe("Memory");
    expect(JSON.stringify(volumes.find((v) => v.name === "certs-secret")?.projected)).toContain(
      "vsekai-cockroachdb-node-certs",
    );
  });

  it("claims one volume per pod with the configured size and class, kept on scale-down", () => {
    expect(field(sts, "spec.volumeClaimTemplates")).toEqual([
      {
        metadata: {
          name: "datadir",
          labels: {
            "app.kubernetes.io/name": "cockroachdb",
            "app.kubernetes.io/instance": "test",
            "app.kubernetes.io/component": "cockroachdb",
          },
        },
        spec: {
          accessModes: ["ReadWriteOnce"],
          storageClassName: "fast-ssd",
          resources: { requests: { storage: "50Gi" } },
        },
      },
    ]);
    expect(field(sts, "spec.persistentVolumeClaimRetentionPolicy")).toEqual({
      whenDeleted: "Retain",
      whenScaled: "Retain",
    });
  });

  it("spreads pods over hosts and zones, softly", () => {
    const anti = field<{ weight: number; podAffinityTerm: { topologyKey: string } }[]>(
      sts,
      "spec.template.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution",
    );
    expect(anti[0]?.podAffinityTerm.topologyKey).toBe("kubernetes.io/hostname");
    expect(field(sts, "spec.template.spec.topologySpreadConstraints")).toEqual([
      expect.objectContaining({
        topologyKey: "topology.kubernetes.io/zone",
        whenUnsatisfiable: "ScheduleAnyway",
        maxSkew: 1,
      }),
    ]);
  });

  it("lets one node at a time be disrupted", () => {
    const pdb = one(mocks, "kubernetes:policy/v1:PodDisruptionBudget");
    expect(field(pdb, "spec.maxUnavailable")).toBe(1);
    expect(field(pdb, "spec.selector.matchLabels")).toEqual(field(sts, "spec.selector.matchLabels"));
  });

  it("publishes not-ready pods on the headless discovery Service, and a ClusterIP one for clients", () => {
    const discovery = one(mocks, SERVICE, "discovery");
    expect(field(discovery, "metadata.name")).toBe("vsekai-cockroachdb");
    expect(field(discovery, "spec.clusterIP")).toBe("None");
    expect(field(discovery, "spec.publishNotReadyAddresses")).toBe(true);
    const publicSvc = one(mocks, SERVICE, "public");
    expect(field(publicSvc, "metadata.name")).toBe("vsekai-cockroachdb-public");
    for (const svc of [discovery, publicSvc]) {
      expect(field(svc, "spec.ports")).toEqual([
        { name: "sql", port: 26257, targetPort: "sql" },
        { name: "http", port: 8080, targetPort: "http" },
      ]);
      expect(field(svc, "spec.selector")).toEqual(field(sts, "spec.selector.matchLabels"));
    }
  });

  it("issues a node certificate for every name a node is reached by, and a root client certificate", () => {
    const certs = ofType(mocks, CERTIFICATE);
    const nodeCert = certs.find((c) => c.name.endsWith("node-cert")) as Recorded;
    expect(nodeCert.inputs.commonName).toBe("node");
    expect(nodeCert.inputs.usages).toEqual(["server", "client"]);
    expect(nodeCert.inputs.dnsNames).toEqual(
      expect.arrayContaining([
        "localhost",
        "vsekai-cockroachdb-public.vsekai-test.svc.cluster.local",
        "*.vsekai-cockroachdb.vsekai-test.svc.cluster.local",
      ]),
    );
    expect(nodeCert.inputs.ipAddresses).toContain("127.0.0.1");
    const rootCert = certs.find((c) => c.name.endsWith("root-cert")) as Recorded;
    expect(rootCert.inputs.commonName).toBe("root");
    expect(rootCert.inputs.usages).toEqual(["client"]);
  });

  it("stores certificates under CockroachDB's file names, and gives clients a CA Secret without keys", async () => {
    const keys = (nameIncludes: string) => secretKeys(one(mocks, SECRET, nameIncludes));
    expect(keys("node-certs")).toEqual(["ca.crt", "node.crt", "node.key"]);
    expect(keys("root-certs")).toEqual(["ca.crt", "client.root.crt", "client.root.key"]);
    expect(keys("cockroachdb-ca")).toEqual(["ca.crt"]);
    expect(await valueOf(cluster.endpoint.caSecretName as pulumi.Output<string>)).toBe(
      "vsekai-cockroachdb-ca",
    );
  });

  it("rolls the pods when a certificate changes", () => {
    const hash = field<Record<string, string>>(sts, "spec.template.metadata.annotations")[
      CERT_HASH_ANNOTATION
    ];
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("runs the init Job after the nodes, Services and Secrets, without waiting for the nodes to be ready", async () => {
    const urns = await Promise.all(cluster.initPrerequisites.map((r) => valueOf(r.urn)));
    const prerequisiteNames = urns.map((urn) => urn.split("::").pop());
    expect(prerequisiteNames).toEqual(
      expect.arrayContaining([
        "cockroachdb-nodes",
        "cockroachdb-discovery",
        "cockroachdb-public",
        "cockroachdb-passwords",
        "cockroachdb-node-certs",
        "cockroachdb-root-certs",
      ]),
    );
    expect(cluster.endpoint.ready).toEqual([cluster.initJob]);
  });

  it("makes the init Job bounded, restricted and idempotent", () => {
    const job = one(mocks, JOB, "init");
    expect(field(job, "metadata.name")).toBe("vsekai-cockroachdb-init");
    expect(field(job, "spec.backoffLimit")).toBe(3);
    expect(field(job, "spec.ttlSecondsAfterFinished")).toBeGreaterThan(0);
    expect(field(job, "spec.activeDeadlineSeconds")).toBeGreaterThan(0);
    expect(field(job, "spec.template.spec.securityContext")).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 1000,
    });
    for (const c of allContainers(job)) {
      expect(c.securityContext, c.name).toMatchObject({ readOnlyRootFilesystem: true });
      expect(c.resources?.limits.memory, c.name).toBeDefined();
    }
    const script = (containers(job)[0] as Container).command?.[2] ?? "";
    expect(script).toContain("cluster has already been initialized");
    expect(script).toContain("CREATE DATABASE IF NOT EXISTS uro;");
    expect(script).toContain("CREATE DATABASE IF NOT EXISTS seaweedfs;");
    expect(script).toContain(
      "--host=vsekai-cockroachdb-0.vsekai-cockroachdb.vsekai-test.svc.cluster.local:26257",
    );
  });

  it("gives the Job passwords only through secretKeyRef, never as values or in its script", () => {
    const job = one(mocks, JOB, "init");
    const init = containers(job)[0] as Container;
    const passwordEnv = (init.env ?? []).filter((e) => e.name.includes("PASSWORD"));
    expect(passwordEnv).toEqual([
      {
        name: "APP_PASSWORD",
        valueFrom: { secretKeyRef: { name: "vsekai-cockroachdb-passwords", key: "app-password" } },
      },
      {
        name: "FILER_PASSWORD",
        valueFrom: { secretKeyRef: { name: "vsekai-cockroachdb-passwords", key: "filer-password" } },
      },
    ]);
    const everything = JSON.stringify(job.inputs) + JSON.stringify(sts.inputs);
    expect(everything).not.toContain("generated-cockroachdb-app-password");
    expect(everything).not.toContain("generated-cockroachdb-filer-password");
    const passwords = one(mocks, SECRET, "passwords");
    expect(secretKeys(passwords)).toEqual(["app-password", "filer-password"]);
  });

  it("labels the Job's pods apart from the nodes and declares the flows to the nodes", () => {
    const job = one(mocks, JOB, "init");
    expect(field<Record<string, string>>(job, "spec.template.metadata.labels")).toMatchObject(
      cluster.jobPeer.selector,
    );
    expect(cluster.jobPeer.selector["app.kubernetes.io/component"]).toBe("init");
    const peer = cluster.endpoint.peer as { name: string; selector: Record<string, string> };
    expect(peer.selector).toEqual(field(sts, "spec.selector.matchLabels"));
    expect(cluster.flows.map((f) => [f.from.name, f.to.name, f.ports])).toEqual([
      ["cockroachdb", "cockroachdb", [26257]],
      ["cockroachdb-init", "cockroachdb", [26257]],
      ["cockroachdb-decommission", "cockroachdb", [26257]],
      ["cockroachdb-upgrade-check", "cockroachdb", [26257]],
    ]);
  });

  it("makes the StatefulSet wait on the upgrade check, whose script knows the image and the finalize setting", () => {
    const job = one(mocks, JOB, "upgrade-check");
    expect(field(job, "metadata.name")).toBe("vsekai-cockroachdb-upgrade-check");
    const urn = (r: Recorded) => `${r.type}::${r.name}`;
    expect(sts.dependsOn.some((d) => d.endsWith(urn(job)))).toBe(true);
    expect(job.deleteBeforeReplace).toBe(true);
    expect(field(job, "spec.podFailurePolicy.rules")).toEqual([
      { action: "FailJob", onExitCodes: { operator: "In", values: [3] } },
    ]);
    const script = (containers(job)[0] as Container).command?.[2] ?? "";
    expect(script).toContain('  "26.2"|"26.1"|"25.4") ;;');
    expect(script).toContain("SET CLUSTER SETTING cluster.auto_upgrade.enabled = false");
  });

  it("makes the StatefulSet wait on the decommission Job, which runs first and knows the new count", () => {
    const job = one(mocks, JOB, "decommission");
    expect(field(job, "metadata.name")).toBe("vsekai-cockroachdb-decommission");
    const urn = (r: Recorded) => `${r.type}::${r.name}`;
    expect(sts.dependsOn.some((d) => d.endsWith(urn(job)))).toBe(true);
    expect(job.dependsOn.some((d) => d.endsWith(urn(sts)))).toBe(false);
    expect(job.deleteBeforeReplace).toBe(true);
    const script = (containers(job)[0] as Container).command?.[2] ?? "";
    expect(script).toContain("requested=3\n");
    expect(script).toContain("discovery='vsekai-cockroachdb.vsekai-test.svc.cluster.local'");
    expect(script).toContain("--certs-dir=/cockroach/cockroach-certs");
  });

  it("makes the decommission Job bounded, restricted, final on a refusal, and a client of the root certificate", () => {
    const job = one(mocks, JOB, "decommission");
    expect(field(job, "spec.activeDeadlineSeconds")).toBeGreaterThan(0);
    expect(field(job, "spec.ttlSecondsAfterFinished")).toBeGreaterThan(0);
    expect(field(job, "spec.podFailurePolicy.rules")).toEqual([
      { action: "FailJob", onExitCodes: { operator: "In", values: [3] } },
    ]);
    expect(field(job, "spec.template.spec.automountServiceAccountToken")).toBe(false);
    for (const c of allContainers(job)) {
      expect(c.securityContext, c.name).toMatchObject({ readOnlyRootFilesystem: true });
      expect(c.resources?.limits.memory, c.name).toBeDefined();
    }
    expect(field(job, "spec.template.spec.volumes.0.projected.sources")).toEqual([
      {
        secret: {
          name: "vsekai-cockroachdb-root-certs",
          items: ["ca.crt", "client.root.crt", "client.root.key"].map((f) => ({ key: f, path: f })),
        },
      },
    ]);
    expect(field<Record<string, string>>(job, "spec.template.metadata.labels")).toMatchObject({
      "app.kubernetes.io/component": "decommission",
    });
  });

  it("exports secret URLs that verify the server", async () => {
    expect(await pulumi.isSecret(cluster.endpoint.appUrl)).toBe(true);
    expect(await valueOf(cluster.endpoint.appUrl)).toBe(
      "postgresql://uro:generated-cockroachdb-app-password@vsekai-cockroachdb-public.vsekai-test.svc.cluster.local:26257/uro?sslmode=verify-full",
    );
    expect(await pulumi.isSecret(cluster.endpoint.filerConnection)).toBe(true);
    expect(await valueOf(cluster.endpoint.filerConnection)).toEqual({
      host: "vsekai-cockroachdb-public.vsekai-test.svc.cluster.local",
      port: 26257,
      user: "seaweedfs",
      password: "generated-cockroachdb-filer-password",
      database: "seaweedfs",
      sslmode: "verify-full",
    });
  });
});

describe("CockroachCluster without TLS, one node", () => {
  let mocks: MockState;
  let cluster: CockroachCluster;

  beforeEach(async () => {
    ({ mocks, cluster } = await build({
      tls: false,
      nodes: 1,
      locality: "region=eu,zone=eu-a",
      storage: { size: "5Gi" },
    }));
  });

  it("starts insecure, joins itself, and probes over HTTP", () => {
    const sts = one(mocks, STS);
    const node = containers(sts)[0] as Container;
    expect(node.args).toContain("--insecure");
    expect(node.args).toContain(
      "--join=vsekai-cockroachdb-0.vsekai-cockroachdb.vsekai-test.svc.cluster.local:26257",
    );
    expect(node.args).toContain("--locality=region=eu,zone=eu-a");
    expect(node.readinessProbe?.httpGet.scheme).toBe("HTTP");
    expect(field(sts, "spec.template.spec.initContainers")).toEqual([]);
    expect(field(sts, "spec.volumeClaimTemplates.0.spec")).not.toHaveProperty("storageClassName");
  });

  it("issues no certificates and offers no CA Secret", () => {
    expect([...ofType(mocks, CERTIFICATE), ...ofType(mocks, AUTHORITY)]).toEqual([]);
    expect(ofType(mocks, SECRET).map((s) => field(s, "metadata.name"))).toEqual([
      "vsekai-cockroachdb-passwords",
    ]);
    expect(cluster.endpoint.caSecretName).toBeUndefined();
  });

  it("gives URLs without a password and with TLS disabled", async () => {
    expect(await valueOf(cluster.endpoint.appUrl)).toBe(
      "postgresql://uro@vsekai-cockroachdb-public.vsekai-test.svc.cluster.local:26257/uro?sslmode=disable",
    );
    expect(await valueOf(cluster.endpoint.filerConnection)).toMatchObject({
      password: "",
      sslmode: "disable",
    });
  });
});

describe("CockroachCluster rotating the app's login (cockroach.appLoginGeneration)", () => {
  const initOf = (mocks: MockState) => one(mocks, JOB, "init");
  const hashOf = (mocks: MockState) =>
    field<Record<string, string>>(initOf(mocks), "spec.template.metadata.annotations")[
      PASSWORD_HASH_ANNOTATION
    ];

  it("hands the app the generation's own login and password, and leaves the filer's as it was", async () => {
    const { cluster } = await build({ appLoginGeneration: 2 });
    expect(await valueOf(cluster.endpoint.appUrl)).toBe(
      "postgresql://uro_g2:generated-cockroachdb-app-login-password-g2@vsekai-cockroachdb-public.vsekai-test.svc.cluster.local:26257/uro?sslmode=verify-full",
    );
    expect(await valueOf(cluster.endpoint.filerConnection)).toMatchObject({
      user: "seaweedfs",
      password: "generated-cockroachdb-filer-password",
    });
  });

  it("gives the init Job the new password by secretKeyRef and a script that makes the login", async () => {
    const { mocks } = await build({ appLoginGeneration: 2 });
    const init = containers(initOf(mocks))[0] as Container;
    expect(init.env).toContainEqual({
      name: "APP_LOGIN_PASSWORD",
      valueFrom: { secretKeyRef: { name: "vsekai-cockroachdb-passwords", key: "app-login-password" } },
    });
    expect(secretKeys(one(mocks, SECRET, "passwords")).sort()).toEqual([
      "app-login-password",
      "app-password",
      "filer-password",
    ]);
    const script = (init.command ?? []).join("\n");
    expect(script).toContain("CREATE USER IF NOT EXISTS uro_g2 WITH LOGIN PASSWORD '${APP_LOGIN_PASSWORD}';");
    expect(script).toContain("uro_g1) keep=1 ;;");
    expect(JSON.stringify(initOf(mocks).inputs)).not.toContain("generated-cockroachdb-app-login-password");
  });

  it("re-runs the init Job on a rotation and on a retirement (a new password hash or a new script)", async () => {
    // Each build replaces the mocks' record, so read each one before the next.
    const script = (m: MockState) => JSON.stringify(field(initOf(m), "spec.template.spec.containers"));
    const seen = [];
    for (const [generation, retire] of [
      [1, false],
      [2, false],
      [2, true],
    ] as const) {
      const { mocks } = await build({ appLoginGeneration: generation, retirePreviousAppLogins: retire });
      seen.push({ hash: hashOf(mocks), script: script(mocks) });
    }
    const [before, rotated, retired] = seen;
    expect(rotated?.hash).not.toBe(before?.hash);
    // Generation 0 hashes the two passwords as before rotation existed: upgrading re-runs no Job.
    const { mocks } = await build();
    expect(hashOf(mocks)).toBe(
      createHash("sha256")
        .update("generated-cockroachdb-app-password\ngenerated-cockroachdb-filer-password")
        .digest("hex"),
    );
    expect(retired?.hash).toBe(rotated?.hash);
    expect(retired?.script).not.toBe(rotated?.script);
  });
});
