import { statefulSetRolledOut } from "../../../components/shared/awaiting.ts";
import * as pulumi from "@pulumi/pulumi";
import { ENDPOINT_DRAIN_SECONDS } from "../../../components/shared/probing.ts";
import { beforeEach, describe, expect, it } from "vitest";
import { S3_ACCESS_KEY_ID_KEY, S3_SECRET_ACCESS_KEY_KEY } from "../../../components/shared/endpoints.ts";
import type { SeaweedfsSettings } from "../../../components/config/types.ts";
import { CONFIG_HASH_ANNOTATION, SeaweedfsCluster } from "../../../components/seaweedfs/index.ts";
import type { SqlEndpoint } from "../../../components/shared/endpoints.ts";
import {
  field,
  installMocks,
  ofType,
  one,
  secretKeys,
  settle,
  unwrapSecrets,
  valueOf,
  type MockState,
  type Recorded,
} from "../harness.ts";
import { FILER_PASSWORD, MASTER_FQDNS, clusterArgs, filerConnection } from "./fixtures.ts";

type Probe = { httpGet?: { path: string; port: string }; tcpSocket?: { port: string } };
type Container = {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  workingDir?: string;
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  ports?: { name: string; containerPort: number; protocol: string }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  resources?: { requests: Record<string, string>; limits: Record<string, string> };
  securityContext?: Record<string, unknown>;
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
};
type Volume = { name: string; secret?: { secretName: string; items: { key: string; path: string }[] } };

const STS = "kubernetes:apps/v1:StatefulSet";
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const JOB = "kubernetes:batch/v1:Job";
const SECRET = "kubernetes:core/v1:Secret";
const SERVICE = "kubernetes:core/v1:Service";
const PDB = "kubernetes:policy/v1:PodDisruptionBudget";
const CONFIGMAP = "kubernetes:core/v1:ConfigMap";

async function build(
  overrides: Partial<SeaweedfsSettings> = {},
  sql: Partial<SqlEndpoint> = {},
): Promise<{ mocks: MockState; cluster: SeaweedfsCluster }> {
  const mocks = installMocks();
  const cluster = new SeaweedfsCluster("seaweedfs", clusterArgs(overrides, sql));
  await valueOf(cluster.s3.url);
  await valueOf(cluster.s3.credentialsSecretName);
  await settle();
  return { mocks, cluster };
}

function container(r: Recorded): Container {
  return field<Container[]>(r, "spec.template.spec.containers")[0] as Container;
}

function volumes(r: Recorded): Volume[] {
  return field<Volume[]>(r, "spec.template.spec.volumes");
}

function stringData(r: Recorded): Record<string, string> {
  return unwrapSecrets(r.inputs.stringData) as Record<string, string>;
}

describe("SeaweedfsCluster, production-shaped", () => {
  let mocks: MockState;
  let cluster: SeaweedfsCluster;

  beforeEach(async () => {
    ({ mocks, cluster } = await build());
  });

  it("runs three raft masters in parallel, each with every peer and its own FQDN", () => {
    const sts = one(mocks, STS, "master");
    expect(field(sts, "metadata.name")).toBe("vsekai-seaweedfs-master");
    expect(field(sts, "spec.serviceName")).toBe("vsekai-seaweedfs-master-peers");
    expect(field(sts, "spec.replicas")).toBe(3);
    expect(field(sts, "spec.podManagementPolicy")).toBe("Parallel");
    // Dependents wait for the whole roll (components/shared/awaiting.ts).
    expect(field(sts, "metadata.annotations")).toEqual(statefulSetRolledOut(3));
    expect(field(one(mocks, STS, "volume"), "metadata.annotations")).toEqual(
      statefulSetRolledOut(field(one(mocks, STS, "volume"), "spec.replicas")),
    );
    const master = container(sts);
    expect(master.image).toBe("chrislusf/seaweedfs:4.01");
    // Waits for its peers' addresses to be published before weed dials them (master.ts).
    expect(master.command).toEqual(["/bin/sh", "-c", 'sleep 5; exec /usr/bin/weed "$@"', "weed"]);
    expect(master.args).toEqual(
      expect.arrayContaining([
        "master",
        `-peers=${MASTER_FQDNS.join(",")}`,
        "-ip=$(POD_NAME).vsekai-seaweedfs-master-peers.vsekai-test.svc.cluster.local",
        "-ip.bind=0.0.0.0",
        "-mdir=/data",
        "-volumeSizeLimitMB=4096",
        "-defaultReplication=001",
      ]),
    );
    expect(master.env).toContainEqual({
      name: "POD_NAME",
      valueFrom: { fieldRef: { fieldPath: "metadata.name" } },
    });
    expect(master.ports).toEqual([
      { name: "http", containerPort: 9333, protocol: "TCP" },
      { name: "grpc", containerPort: 19333, protocol: "TCP" },
      { name: "metrics", containerPort: 9327, protocol: "TCP" },
    ]);
    expect(master.readinessProbe?.httpGet).toMatchObject({ path: "/cluster/healthz", port: "http" });
    expect(master.livenessProbe?.httpGet).toMatchObject({ path: "/cluster/status", port: "http" });
    expect(master.startupProbe?.httpGet?.path).toBe("/cluster/status");
  });

  it("keeps master metadata and volume data on PVCs, retained on scale-down", () => {
    for (const [part, size] of [
      ["master", "1Gi"],
      ["volume", "100Gi"],
    ] as const) {
      const sts = one(mocks, STS, part);
      expect(field(sts, "spec.volumeClaimTemplates"), part).toEqual([
        {
          metadata: {
            name: "data",
            labels: {
              "app.kubernetes.io/name": "seaweedfs",
              "app.kubernetes.io/instance": "test",
              "app.kubernetes.io/component": part,
            },
          },
          spec: {
            accessModes: ["ReadWriteOnce"],
            storageClassName: "fast-ssd",
            resources: { requests: { storage: size } },
          },
        },
      ]);
      expect(container(sts).volumeMounts).toEqual([
        { name: "data", mountPath: "/data" },
        { name: "tmp", mountPath: "/tmp" },
      ]);
      expect(field(sts, "spec.persistentVolumeClaimRetentionPolicy")).toEqual({
        whenDeleted: "Retain",
        whenScaled: "Retain",
      });
      // Nothing but /tmp is an emptyDir: no data on ephemeral storage.
      expect(volumes(sts).map((v) => v.name)).toEqual(["tmp"]);
    }
  });

  it("runs volume servers with their slot count, all masters and their own FQDN", () => {
    const sts = one(mocks, STS, "volume");
    expect(field(sts, "metadata.name")).toBe("vsekai-seaweedfs-volume");
    expect(field(sts, "spec.serviceName")).toBe("vsekai-seaweedfs-volume-peers");
    expect(field(sts, "spec.replicas")).toBe(3);
    expect(field(sts, "spec.template.spec.terminationGracePeriodSeconds")).toBe(60);
    const volume = container(sts);
    expect(volume.args).toEqual(
      expect.arrayContaining([
        "volume",
        "-max=23",
        "-dir=/data",
        `-mserver=${MASTER_FQDNS.join(",")}`,
        "-ip=$(POD_NAME).vsekai-seaweedfs-volume-peers.vsekai-test.svc.cluster.local",
      ]),
    );
    expect(volume.readinessProbe?.httpGet).toMatchObject({ path: "/healthz", port: "http" });
    expect(volume.livenessProbe?.httpGet).toMatchObject({ path: "/status", port: "http" });
    expect(volume.ports?.map((p) => [p.name, p.containerPort])).toEqual([
      ["http", 8080],
      ["grpc", 18080],
      ["metrics", 9327],
    ]);
  });

  it("publishes not-ready masters and volume servers on headless Services, and ClusterIP ones for clients", () => {
    const services = Object.fromEntries(
      ofType(mocks, SERVICE).map((s) => [field<string>(s, "metadata.name"), s]),
    );
    expect(Object.keys(services).sort()).toEqual([
      "vsekai-seaweedfs-filer",
      "vsekai-seaweedfs-master",
      "vsekai-seaweedfs-master-peers",
      "vsekai-seaweedfs-s3",
      "vsekai-seaweedfs-s3-pods",
      "vsekai-seaweedfs-volume-peers",
    ]);
    for (const headless of ["vsekai-seaweedfs-master-peers", "vsekai-seaweedfs-volume-peers"]) {
      const svc = services[headless] as Recorded;
      expect(field(svc, "spec.clusterIP"), headless).toBe("None");
      expect(field(svc, "spec.publishNotReadyAddresses"), headless).toBe(true);
    }
    // The keys Job asks each gateway that serves, so only ready ones are listed.
    const gatewayPods = services["vsekai-seaweedfs-s3-pods"] as Recorded;
    expect(field(gatewayPods, "spec.clusterIP")).toBe("None");
    expect(field(gatewayPods, "spec.publishNotReadyAddresses")).toBeUndefined();
    expect(field(gatewayPods, "spec.selector")).toEqual(
      field(one(mocks, DEPLOYMENT, "s3"), "spec.selector.matchLabels"),
    );
    for (const clusterIp of ["vsekai-seaweedfs-master", "vsekai-seaweedfs-filer", "vsekai-seaweedfs-s3"]) {
      expect(field(services[clusterIp] as Recorded, "spec.type"), clusterIp).toBe("ClusterIP");
    }
    expect(field(services["vsekai-seaweedfs-filer"] as Recorded, "spec.ports")).toEqual([
      { name: "http", port: 8888, targetPort: "http", protocol: "TCP" },
      { name: "grpc", port: 18888, targetPort: "grpc", protocol: "TCP" },
    ]);
    expect(field(services["vsekai-seaweedfs-s3"] as Recorded, "spec.ports")).toEqual([
      { name: "http", port: 8333, targetPort: "http", protocol: "TCP" },
    ]);
    // Every Service selects the pods of its own part.
    for (const [svcName, part] of [
      ["vsekai-seaweedfs-master", "master"],
      ["vsekai-seaweedfs-volume-peers", "volume"],
      ["vsekai-seaweedfs-filer", "filer"],
      ["vsekai-seaweedfs-s3", "s3"],
    ] as const) {
      const workload = [...ofType(mocks, STS), ...ofType(mocks, DEPLOYMENT)].find(
        (w) =>
          field<Record<string, string>>(w, "spec.selector.matchLabels")["app.kubernetes.io/component"] ===
          part,
      ) as Recorded;
      expect(field(services[svcName] as Recorded, "spec.selector"), svcName).toEqual(
        field(workload, "spec.selector.matchLabels"),
      );
    }
  });

  it("runs stateless filers on the postgres2 store, configured from a Secret with the SQL CA mounted", () => {
    const filer = one(mocks, DEPLOYMENT, "filer");
    expect(field(filer, "metadata.name")).toBe("vsekai-seaweedfs-filer");
    expect(field(filer, "spec.replicas")).toBe(2);
    const c = container(filer);
    expect(c.args).toEqual(
      expect.arrayContaining(["filer", "-ip=$(POD_IP)", `-master=${MASTER_FQDNS.join(",")}`, "-port=8888"]),
    );
    expect(c.env).toContainEqual({ name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } });
    expect(c.workingDir).toBe("/tmp");
    expect(volumes(filer)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          name: "config",
          secret: expect.objectContaining({
            secretName: "vsekai-seaweedfs-filer-config",
            items: [{ key: "filer.toml", path: "filer.toml" }],
          }),
        }),
        expect.objectContaining({
          name: "sql-ca",
          secret: expect.objectContaining({
            secretName: "vsekai-cockroachdb-ca",
            items: [{ key: "ca.crt", path: "ca.crt" }],
          }),
        }),
      ]),
    );
    expect(c.volumeMounts).toEqual([
      { name: "tmp", mountPath: "/tmp" },
      { name: "config", mountPath: "/etc/seaweedfs", readOnly: true },
      { name: "sql-ca", mountPath: "/etc/seaweedfs-sql-ca", readOnly: true },
    ]);
    expect(c.readinessProbe?.httpGet).toMatchObject({ path: "/healthz", port: "http" });
    expect(c.livenessProbe?.tcpSocket).toEqual({ port: "http" });

    const config = one(mocks, SECRET, "filer-config");
    expect(secretKeys(config)).toEqual(["filer.toml"]);
    const toml = stringData(config)["filer.toml"] ?? "";
    expect(toml).toContain("[postgres2]\nenabled = true");
    expect(toml).toContain(`password = "${FILER_PASSWORD}"`);
    expect(toml).toContain('sslmode = "verify-full"');
    expect(toml).toContain('sslrootcert = "/etc/seaweedfs-sql-ca/ca.crt"');
  });

  it("keeps the filer password in its Secret only: no ConfigMap, env value, arg or annotation holds it", () => {
    expect(ofType(mocks, CONFIGMAP)).toEqual([]);
    const elsewhere = mocks.resources.filter((r) => !(r.type === SECRET && r.name.endsWith("filer-config")));
    for (const r of elsewhere) {
      expect(JSON.stringify(unwrapSecrets(r.inputs)), `${r.type} ${r.name}`).not.toContain(FILER_PASSWORD);
    }
    for (const w of [...ofType(mocks, STS), ...ofType(mocks, DEPLOYMENT), ...ofType(mocks, JOB)]) {
      for (const e of container(w).env ?? []) {
        expect(e.value === undefined || e.value === "/tmp", `${w.name} ${e.name}`).toBe(true);
      }
    }
  });

  it("rolls filers when their config changes, by a digest in the pod template; gateways reload theirs", () => {
    const annotations = field<Record<string, string>>(
      one(mocks, DEPLOYMENT, "filer"),
      "spec.template.metadata.annotations",
    );
    expect(annotations[CONFIG_HASH_ANNOTATION]).toMatch(/^[0-9a-f]{64}$/);
    const gateways = one(mocks, DEPLOYMENT, "s3");
    expect(field(gateways, "spec.template.metadata.annotations")).toBeUndefined();
    expect(field(gateways, "spec.template.spec.shareProcessNamespace")).toBe(true);
    const reloader = field<Container[]>(gateways, "spec.template.spec.containers")[1];
    expect(reloader?.name).toBe("identities-reloader");
    expect(reloader?.command).toEqual([
      "/usr/bin/vsekai-backup",
      "reload-on-change",
      "/etc/seaweedfs/s3/identities.json",
      "/usr/bin/weed",
      "9329",
    ]);
    expect(reloader?.volumeMounts).toContainEqual({
      name: "identities",
      mountPath: "/etc/seaweedfs/s3",
      readOnly: true,
    });
    expect(reloader?.livenessProbe?.httpGet).toMatchObject({ path: "/healthz", port: "reloader" });
  });

  it("lets filers and gateways leave their Services' endpoints before SIGTERM", () => {
    for (const part of ["filer", "s3"]) {
      const d = one(mocks, DEPLOYMENT, part);
      expect(field(d, "spec.template.spec.containers.0.lifecycle"), part).toEqual({
        preStop: { sleep: { seconds: ENDPOINT_DRAIN_SECONDS } },
      });
      expect(field<number>(d, "spec.template.spec.terminationGracePeriodSeconds")).toBeGreaterThan(
        ENDPOINT_DRAIN_SECONDS,
      );
    }
  });

  it("serves S3 on 8333 from the filer Service, with identities from a Secret", () => {
    const s3 = one(mocks, DEPLOYMENT, "s3");
    expect(field(s3, "metadata.name")).toBe("vsekai-seaweedfs-s3");
    expect(field(s3, "spec.replicas")).toBe(2);
    const c = container(s3);
    expect(c.args?.slice(1, 3)).toEqual(["s3", "-port=8333"]);
    expect(c.args).toContain("-filer=vsekai-seaweedfs-filer.vsekai-test.svc.cluster.local:8888");
    expect(c.args).toContain("-config=/etc/seaweedfs/s3/identities.json");
    expect(c.volumeMounts).toContainEqual({
      name: "identities",
      mountPath: "/etc/seaweedfs/s3",
      readOnly: true,
    });
    expect(volumes(s3)).toContainEqual(
      expect.objectContaining({
        name: "identities",
        secret: expect.objectContaining({ secretName: "vsekai-seaweedfs-s3-identities" }),
      }),
    );
    expect(c.readinessProbe?.httpGet).toMatchObject({ path: "/healthz", port: "http" });
    expect(c.resources?.limits.cpu).toBe("1");
  });

  it("scopes the app's generated identity to its bucket, and hands the app the same keys by name", async () => {
    const identities = JSON.parse(
      stringData(one(mocks, SECRET, "s3-identities"))["identities.json"] ?? "",
    ) as unknown;
    expect(identities).toEqual({
      identities: [
        {
          name: "app",
          credentials: [
            {
              accessKey: "generated-seaweedfs-s3-access-key",
              secretKey: "generated-seaweedfs-s3-secret-key",
            },
          ],
          actions: ["Read:uro", "Write:uro", "List:uro", "Tagging:uro"],
        },
        {
          name: "revision",
          credentials: [
            { accessKey: expect.stringMatching(/^REV[0-9A-F]{17}$/), secretKey: expect.any(String) },
          ],
          actions: [],
        },
      ],
    });
    const credentials = one(mocks, SECRET, "app-s3");
    expect(field(credentials, "metadata.name")).toBe("vsekai-seaweedfs-app-s3");
    expect(secretKeys(credentials)).toEqual([S3_ACCESS_KEY_ID_KEY, S3_SECRET_ACCESS_KEY_KEY]);
    expect(stringData(credentials)).toEqual({
      AWS_ACCESS_KEY_ID: "generated-seaweedfs-s3-access-key",
      AWS_SECRET_ACCESS_KEY: "generated-seaweedfs-s3-secret-key",
    });
    expect(await valueOf(cluster.s3.credentialsSecretName)).toBe("vsekai-seaweedfs-app-s3");
    expect(await pulumi.isSecret(cluster.s3.accessKeyId)).toBe(true);
    expect(await pulumi.isSecret(cluster.s3.secretAccessKey)).toBe(true);
    expect(await valueOf(cluster.s3.secretAccessKey)).toBe("generated-seaweedfs-s3-secret-key");
  });

  it("exports the S3 endpoint the app consumes", async () => {
    expect(await valueOf(cluster.s3.url)).toBe(
      "http://vsekai-seaweedfs-s3.vsekai-test.svc.cluster.local:8333",
    );
    expect(cluster.s3.port).toBe(8333);
    expect(cluster.s3.bucket).toBe("uro");
    expect(cluster.s3.region).toBe("us-east-1");
    expect(cluster.s3.peer.name).toBe("seaweedfs-s3");
    expect(cluster.s3.peer.selector).toEqual(
      field(one(mocks, DEPLOYMENT, "s3"), "spec.selector.matchLabels"),
    );
    expect(cluster.s3.ready).toContain(cluster.bucketJob);
    const readyNames = await Promise.all(cluster.s3.ready.map((r) => valueOf(r.urn)));
    expect(readyNames.map((u) => u.split("::").pop())).toEqual([
      "seaweedfs-s3",
      "seaweedfs-bucket",
      "seaweedfs-app-s3",
    ]);
  });

  it("makes the bucket with a bounded, restricted, idempotent Job", () => {
    const job = one(mocks, JOB, "bucket");
    expect(field(job, "metadata.name")).toBe("vsekai-seaweedfs-bucket");
    expect(field(job, "spec.backoffLimit")).toBe(3);
    expect(field(job, "spec.activeDeadlineSeconds")).toBe(600);
    expect(field(job, "spec.ttlSecondsAfterFinished")).toBeGreaterThan(0);
    expect(field(job, "spec.template.spec.restartPolicy")).toBe("Never");
    const c = container(job);
    expect(c.command?.slice(0, 2)).toEqual(["/bin/sh", "-c"]);
    const script = c.command?.[2] ?? "";
    expect(script).toContain("bucket=uro");
    expect(script).toContain(`-master=${MASTER_FQDNS.join(",")}`);
    expect(script).toContain("-filer=vsekai-seaweedfs-filer.vsekai-test.svc.cluster.local:8888");
    expect(script).toContain('if [ "$attempt" -ge 100 ]; then');
    expect(field<Record<string, string>>(job, "spec.template.metadata.labels")).toMatchObject(
      cluster.peers.bucketJob.selector,
    );
  });

  it("empties the servers a lower count removes in a Job keyed by the count, which the volume servers wait on", () => {
    const job = one(mocks, JOB, "evacuate");
    expect(field(job, "metadata.name")).toMatch(/^vsekai-seaweedfs-volume-evacuate-3-[0-9a-f]{8}$/);
    expect(field(job, "spec.ttlSecondsAfterFinished")).toBeGreaterThan(0);
    expect(field(job, "spec.template.spec.restartPolicy")).toBe("Never");
    const script = container(job).command?.[2] ?? "";
    expect(script).toContain("sts=vsekai-seaweedfs-volume");
    expect(script).toContain("keep=3");
    expect(script).toContain(`-master=${MASTER_FQDNS.join(",")}`);
    expect(field<Record<string, string>>(job, "spec.template.metadata.labels")).toMatchObject(
      cluster.peers.evacuateJob.selector,
    );
    const volumeSet = one(mocks, STS, "volume");
    expect(volumeSet.dependsOn.some((urn) => urn.endsWith("::seaweedfs-volume-evacuate"))).toBe(true);
  });

  it("runs every pod restricted as uid 1000 without a service account token, with resources", () => {
    const workloads = [...ofType(mocks, STS), ...ofType(mocks, DEPLOYMENT), ...ofType(mocks, JOB)];
    expect(workloads).toHaveLength(6);
    for (const w of workloads) {
      expect(field(w, "spec.template.spec.securityContext"), w.name).toEqual({
        runAsNonRoot: true,
        runAsUser: 1000,
        runAsGroup: 1000,
        fsGroup: 1000,
        fsGroupChangePolicy: "OnRootMismatch",
        seccompProfile: { type: "RuntimeDefault" },
      });
      expect(field(w, "spec.template.spec.automountServiceAccountToken"), w.name).toBe(false);
      const containers = field<Container[]>(w, "spec.template.spec.containers");
      // Gateways run the identities reloader beside weed (s3-keys.ts).
      expect(containers, w.name).toHaveLength(w.name.endsWith("-s3") ? 2 : 1);
      for (const c of containers) {
        expect(c.securityContext, c.name).toMatchObject({
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          runAsNonRoot: true,
          capabilities: { drop: ["ALL"] },
          seccompProfile: { type: "RuntimeDefault" },
        });
        expect(c.resources?.requests.memory, c.name).toBe(c.resources?.limits.memory);
        expect(c.resources?.limits.cpu, c.name).toBeDefined();
        expect(c.volumeMounts, c.name).toContainEqual({ name: "tmp", mountPath: "/tmp" });
      }
    }
  });

  it("spreads servers softly over hosts and zones", () => {
    for (const w of [...ofType(mocks, STS), ...ofType(mocks, DEPLOYMENT)]) {
      const selector = field(w, "spec.selector.matchLabels");
      expect(
        field(
          w,
          "spec.template.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution",
        ),
        w.name,
      ).toEqual([
        {
          weight: 100,
          podAffinityTerm: {
            topologyKey: "kubernetes.io/hostname",
            labelSelector: { matchLabels: selector },
          },
        },
      ]);
      expect(field(w, "spec.template.spec.topologySpreadConstraints"), w.name).toEqual([
        expect.objectContaining({
          topologyKey: "topology.kubernetes.io/zone",
          whenUnsatisfiable: "ScheduleAnyway",
        }),
      ]);
    }
  });

  it("budgets disruptions to one pod at a time for each part", () => {
    const pdbs = ofType(mocks, PDB);
    expect(pdbs.map((p) => field<string>(p, "metadata.name")).sort()).toEqual([
      "vsekai-seaweedfs-filer",
      "vsekai-seaweedfs-master",
      "vsekai-seaweedfs-s3",
      "vsekai-seaweedfs-volume",
    ]);
    for (const pdb of pdbs) {
      expect(field(pdb, "spec.maxUnavailable")).toBe(1);
      const selector = field<Record<string, string>>(pdb, "spec.selector.matchLabels");
      const workload = [...ofType(mocks, STS), ...ofType(mocks, DEPLOYMENT)].find(
        (w) => field<string>(w, "metadata.name") === field<string>(pdb, "metadata.name"),
      ) as Recorded;
      expect(selector).toEqual(field(workload, "spec.selector.matchLabels"));
    }
  });

  it("declares every connection between the parts, and the filer's to SQL", () => {
    expect(cluster.flows.map((f) => [f.from.name, f.to.name, f.ports])).toEqual([
      ["seaweedfs-master", "seaweedfs-master", [9333, 19333]],
      ["seaweedfs-volume", "seaweedfs-volume", [8080, 18080]],
      ["seaweedfs-filer", "seaweedfs-filer", [18888]],
      ["seaweedfs-volume", "seaweedfs-master", [9333, 19333]],
      ["seaweedfs-master", "seaweedfs-volume", [8080, 18080]],
      ["seaweedfs-filer", "seaweedfs-master", [9333, 19333]],
      ["seaweedfs-filer", "seaweedfs-volume", [8080, 18080]],
      ["seaweedfs-filer", "cockroachdb", [26257]],
      ["seaweedfs-s3", "seaweedfs-filer", [8888, 18888]],
      ["seaweedfs-s3", "seaweedfs-volume", [8080]],
      ["seaweedfs-bucket", "seaweedfs-master", [19333]],
      ["seaweedfs-bucket", "seaweedfs-filer", [18888]],
      ["seaweedfs-evacuate", "seaweedfs-master", [19333]],
      ["seaweedfs-evacuate", "seaweedfs-volume", [18080]],
      ["seaweedfs-s3-keys", "seaweedfs-s3", [8333]],
    ]);
    for (const f of cluster.flows)
      expect(f.reason.length, `${f.from.name}->${f.to.name}`).toBeGreaterThan(10);
    // Peers select exactly the pods of their workloads.
    for (const [peer, kind, nameIncludes] of [
      [cluster.peers.master, STS, "master"],
      [cluster.peers.volume, STS, "volume"],
      [cluster.peers.filer, DEPLOYMENT, "filer"],
    ] as const) {
      expect(peer.selector).toEqual(field(one(mocks, kind, nameIncludes), "spec.selector.matchLabels"));
    }
  });
});

describe("SeaweedfsCluster rotating the app's S3 keys", () => {
  const identityKeys = (mocks: MockState) =>
    (
      JSON.parse(stringData(one(mocks, SECRET, "s3-identities"))["identities.json"] ?? "") as {
        identities: { credentials: { accessKey: string }[] }[];
      }
    ).identities[0]?.credentials.map((c) => c.accessKey);

  it("accepts the new keys and the previous ones, and hands the app the new ones only after the gateways", async () => {
    const { mocks, cluster } = await build({ s3KeyGeneration: 2 });
    expect(identityKeys(mocks)).toEqual([
      "generated-seaweedfs-s3-access-key-g2",
      "generated-seaweedfs-s3-access-key-g1",
    ]);
    const credentials = one(mocks, SECRET, "app-s3");
    expect(stringData(credentials)).toEqual({
      AWS_ACCESS_KEY_ID: "generated-seaweedfs-s3-access-key-g2",
      AWS_SECRET_ACCESS_KEY: "generated-seaweedfs-s3-secret-key-g2",
    });
    // The app's keys wait on the Job that sees every gateway accept them, which waits on the file and
    // the gateways.
    const keysJob = one(mocks, JOB, "s3-keys");
    expect(credentials.dependsOn.filter((u) => u.endsWith(`::${keysJob.name}`))).toHaveLength(1);
    const gateways = one(mocks, DEPLOYMENT, "s3");
    for (const before of [gateways, one(mocks, SECRET, "s3-identities")]) {
      expect(
        keysJob.dependsOn.filter((u) => u.endsWith(`::${before.name}`)),
        before.name,
      ).toHaveLength(1);
    }
    expect(await valueOf(cluster.s3.accessKeyId)).toBe("generated-seaweedfs-s3-access-key-g2");
    expect(container(keysJob).command).toEqual([
      "/usr/bin/vsekai-backup",
      "s3-keys-loaded",
      "/etc/seaweedfs/s3/identities.json",
      "vsekai-seaweedfs-s3-pods.vsekai-test.svc.cluster.local",
      "8333",
      "2",
    ]);
    // A new file gets a Job of its own; the gateways' pods stay as they were (they reload the file).
    const before = await build({ s3KeyGeneration: 1 });
    const jobName = field<string>(keysJob, "metadata.name");
    expect(jobName).toMatch(/^vsekai-seaweedfs-s3-keys-[0-9a-f]{8}$/);
    expect(jobName).not.toBe(field(one(before.mocks, JOB, "s3-keys"), "metadata.name"));
    expect(field(gateways, "spec.template")).toEqual(
      field(one(before.mocks, DEPLOYMENT, "s3"), "spec.template"),
    );
  });

  it("drops the previous keys when asked, and keeps generation 0's keys (and start order) as they were", async () => {
    const retired = await build({ s3KeyGeneration: 2, s3RetirePreviousKeys: true });
    expect(identityKeys(retired.mocks)).toEqual(["generated-seaweedfs-s3-access-key-g2"]);
    // A retirement is a new file: its own Job, which ends once every gateway has dropped the old keys.
    expect(field<string>(one(retired.mocks, JOB, "s3-keys"), "metadata.name")).toMatch(
      /^vsekai-seaweedfs-s3-keys-/,
    );
    const first = await build({ s3KeyGeneration: 0 });
    expect(identityKeys(first.mocks)).toEqual(["generated-seaweedfs-s3-access-key"]);
    // Never rotated: nothing to wait for, so no keys Job, and the app's keys wait on nothing.
    expect(ofType(first.mocks, JOB).filter((j) => j.name.includes("s3-keys"))).toEqual([]);
    const gateways = one(first.mocks, DEPLOYMENT, "s3");
    expect(
      one(first.mocks, SECRET, "app-s3").dependsOn.filter(
        (u) => u.endsWith(`::${gateways.name}`) || u.includes("s3-keys"),
      ),
    ).toEqual([]);
  });
});

describe("SeaweedfsCluster, dev-sized on an external plain PostgreSQL", () => {
  it("runs one of each, replication 000, and a filer without a CA to verify against", async () => {
    const { mocks, cluster } = await build(
      {
        masters: 1,
        volumeServers: 1,
        replication: "000",
        filerReplicas: 1,
        s3Replicas: 1,
        volumeStorage: { size: "5Gi" },
        volumeSizeLimitMB: 256,
        maxVolumes: 18,
        bucket: "v-sekai.media",
      },
      {
        filerConnection: pulumi.secret(
          filerConnection({
            host: "10.1.2.3",
            port: 5432,
            sslmode: "require",
            user: "filer",
            database: "filer",
          }),
        ),
        port: 5432,
        caSecretName: undefined,
        peer: { name: "external-sql", external: true, cidrs: ["10.1.2.3/32"] },
      },
    );
    const master = container(one(mocks, STS, "master"));
    // No peers to wait for: weed starts at once.
    expect(master.command).toEqual(["/usr/bin/weed"]);
    expect(container(one(mocks, STS, "volume")).command).toEqual(["/usr/bin/weed"]);
    expect(master.args).toContain(`-peers=${MASTER_FQDNS[0]}`);
    expect(master.args).toContain("-defaultReplication=000");
    const volumeClaims = field<{ spec: Record<string, unknown> }[]>(
      one(mocks, STS, "volume"),
      "spec.volumeClaimTemplates",
    );
    expect(volumeClaims[0]?.spec).toEqual({
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage: "5Gi" } },
    });
    expect(container(one(mocks, STS, "volume")).args).toContain("-max=18");

    const filer = one(mocks, DEPLOYMENT, "filer");
    expect(volumes(filer).map((v) => v.name)).toEqual(["tmp", "config"]);
    const toml = stringData(one(mocks, SECRET, "filer-config"))["filer.toml"] ?? "";
    expect(toml).toContain('hostname = "10.1.2.3"');
    expect(toml).toContain("port = 5432");
    expect(toml).toContain('sslmode = "require"');
    expect(toml).not.toContain("sslrootcert");

    expect(cluster.flows).toContainEqual(
      expect.objectContaining({
        from: cluster.peers.filer,
        to: { name: "external-sql", external: true, cidrs: ["10.1.2.3/32"] },
        ports: [5432],
      }),
    );
    expect(container(one(mocks, JOB, "bucket")).command?.[2]).toContain("bucket=v-sekai.media");
    expect(cluster.s3.bucket).toBe("v-sekai.media");
  });
});

describe("SeaweedfsCluster refuses settings that cannot work", () => {
  it("more copies than volume servers", () => {
    installMocks();
    expect(
      () => new SeaweedfsCluster("seaweedfs", clusterArgs({ volumeServers: 1, replication: "001" })),
    ).toThrow('seaweedfs.replication: "001" is not allowed: it keeps 2 copies on different servers');
  });

  it("an even number of masters", () => {
    installMocks();
    expect(() => new SeaweedfsCluster("seaweedfs", clusterArgs({ masters: 2 }))).toThrow(
      "seaweedfs.masters: 2 is not allowed",
    );
  });

  it("a bucket name SeaweedFS would refuse", () => {
    installMocks();
    expect(() => new SeaweedfsCluster("seaweedfs", clusterArgs({ bucket: "Uro_Files" }))).toThrow(
      "seaweedfs.bucket:",
    );
  });
});
