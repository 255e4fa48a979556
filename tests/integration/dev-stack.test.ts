import { randomBytes } from "node:crypto";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type * as k8s from "@kubernetes/client-node";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { UpResult } from "@pulumi/pulumi/automation/index.js";
import * as kubeClient from "@kubernetes/client-node";
import { CA_CERT } from "../../components/cockroachdb/certs.ts";
import { clusterNames } from "../../components/cockroachdb/topology.ts";
import { seaweedfsNames } from "../../components/seaweedfs/topology.ts";
import { FILER_CONFIG_FILE } from "../../components/seaweedfs/filer-config.ts";
import { chooseSqlTier, policyOptions, prepareDevStack, type DevStack } from "../../tools/stack/dev-stack.ts";
import { connect, create, podOutcome, poll, read, shellPod, type Cluster } from "../cluster/kube.ts";
import { tearDownDevStack, upWithPack } from "../harness/dev-stack-run.ts";
import { clientConfig, loginFromFilerToml, loginFromUrl, type SqlLogin } from "./sql-access.ts";

// The dev stack brought up for real by the real engine on the local cluster (tools/cluster), with the
// policy pack on, then checked from outside: SQL, S3, the filer's metadata, the app's health on every
// replica, Erlang clustering, NetworkPolicies that block what they should, a no-op second up, a clean
// destroy. Traffic goes only to the cluster's pods and Services on this machine.

const NAMESPACE = "vsekai-dev";
const PREFIX = "vsekai";
/** CockroachDB's production shape, so the real cluster mode runs as users run it, not as one node. */
const COCKROACH_NODES = 3;

// Chosen before the tests are named, so every report names the database tier it ran on.
const kubeConfig = new kubeClient.KubeConfig();
kubeConfig.loadFromDefault();
const SQL_TIER = await chooseSqlTier(kubeConfig);
const TIER_LABEL =
  SQL_TIER === "cockroachdb"
    ? `CockroachDB cluster mode, ${COCKROACH_NODES} nodes`
    : "PostgreSQL STAND-IN (no CockroachDB image on the node)";
let cluster: Cluster;
let dev: DevStack;
let up: UpResult;
let printed = "";

interface Health {
  status: string;
  node: string;
  nodes: string[];
  database: { ok: boolean; detail?: string };
  storage: { ok: boolean; detail?: string };
}

function output(key: string): string {
  const value = up.outputs[key]?.value;
  if (value === undefined) throw new Error(`the stack has no output ${key}`);
  return String(value);
}

function pods(component: string): k8s.V1Pod[] {
  const list = JSON.parse(
    cluster.kubectl([
      "-n",
      NAMESPACE,
      "get",
      "pods",
      "-l",
      `app.kubernetes.io/component=${component}`,
      "-o",
      "json",
    ]),
  ) as { items: k8s.V1Pod[] };
  return list.items;
}

function podIp(component: string): string {
  const ip = pods(component).find((p) => p.status?.phase === "Running")?.status?.podIP;
  if (ip === undefined) throw new Error(`no running ${component} pod in ${NAMESPACE}`);
  return ip;
}

function clusterIp(namespace: string, service: string): string {
  const svc = read<k8s.V1Service>(cluster, namespace, "service", service);
  const ip = svc.spec?.clusterIP;
  if (ip === undefined) throw new Error(`Service ${namespace}/${service} has no cluster IP`);
  return ip;
}

/** The cluster IP behind a login's `<service>.<namespace>.svc…` host (this process is outside cluster DNS). */
function sqlAddress(login: SqlLogin): string {
  const [service, namespace] = login.host.split(".");
  if (service === undefined || namespace === undefined) throw new Error(`unexpected SQL host ${login.host}`);
  return clusterIp(namespace, service);
}

function secretValue(name: string, key: string): string {
  const secret = read<k8s.V1Secret>(cluster, NAMESPACE, "secret", name);
  const value = secret.data?.[key];
  if (value === undefined) throw new Error(`Secret ${NAMESPACE}/${name} has no key ${key}`);
  return Buffer.from(value, "base64").toString("utf8");
}

/** A client config for a login, with the stack's CA when the login verifies the server (CockroachDB TLS). */
function reach(login: SqlLogin): pg.ClientConfig {
  const ca = login.sslmode === "disable" ? undefined : secretValue(clusterNames(PREFIX).caSecret, CA_CERT);
  return clientConfig(login, sqlAddress(login), ca);
}

const appLogin = (): SqlLogin => loginFromUrl(output("databaseUrl"));
const filerLogin = (): SqlLogin =>
  loginFromFilerToml(secretValue(seaweedfsNames(PREFIX).filerConfigSecret, FILER_CONFIG_FILE));

async function getJson<T>(url: string): Promise<{ status: number; body: T }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  return { status: response.status, body: (await response.json()) as T };
}

async function sql<T extends pg.QueryResultRow>(
  login: SqlLogin,
  text: string,
  values: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client(reach(login));
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  cluster = connect();
  dev = await prepareDevStack({ passphrase: "vsekai-integration-tests", sqlTier: SQL_TIER });
  // Two app replicas, so Erlang clustering and the PDB are exercised; the rest is the committed dev stack.
  await dev.workspace.stack.setConfig("vsekai-infra:app.replicas", { value: "2" }, true);
  if (SQL_TIER === "cockroachdb") {
    await dev.workspace.stack.setConfig(
      "vsekai-infra:cockroach.nodes",
      { value: String(COCKROACH_NODES) },
      true,
    );
  }
  ({ up, printed } = await upWithPack(dev));
});

afterAll(async () => {
  await tearDownDevStack(dev);
});

describe(`pulumi up of the dev stack with the policy pack (database tier: ${TIER_LABEL})`, () => {
  it("succeeds with no mandatory violation", () => {
    expect(up.summary.result).toBe("succeeded");
    expect(printed).toMatch(/Policies:/);
    expect(printed).not.toMatch(/mandatory/);
    expect(up.summary.resourceChanges?.create ?? 0).toBeGreaterThan(40);
  });
});

describe("SeaweedFS", () => {
  it("has a raft leader and every volume server registered with it", async () => {
    const master = podIp("master");
    const status = await getJson<{ IsLeader: boolean; Leader: string }>(
      `http://${master}:9333/cluster/status`,
    );
    expect(status.body.IsLeader).toBe(true);
    expect(status.body.Leader).toContain("vsekai-seaweedfs-master-0");
    const topology = await getJson<{
      Topology: { DataCenters: { Racks: { DataNodes: { Url: string }[] }[] }[] };
    }>(`http://${master}:9333/dir/status`);
    const nodes = topology.body.Topology.DataCenters.flatMap((dc) => dc.Racks.flatMap((r) => r.DataNodes));
    expect(nodes.map((n) => n.Url.split(".")[0])).toEqual(pods("volume").map((p) => p.metadata?.name));
  });

  const key = `integration/${randomBytes(6).toString("hex")}.bin`;

  it("reads back through S3, byte for byte, what was written through S3", async () => {
    const s3 = new S3Client({
      endpoint: `http://${clusterIp(NAMESPACE, "vsekai-seaweedfs-s3")}:8333`,
      region: "us-east-1",
      forcePathStyle: true,
      credentials: { accessKeyId: output("s3AccessKeyId"), secretAccessKey: output("s3SecretAccessKey") },
    });
    const body = randomBytes(256 * 1024);
    const bucket = output("s3Bucket");
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const bytes = Buffer.from(
      await (got.Body as { transformToByteArray: () => Promise<Uint8Array> }).transformToByteArray(),
    );
    expect(bytes.equals(body)).toBe(true);
    s3.destroy();
  });

  it(`keeps the filer's metadata in the SQL database (${TIER_LABEL})`, async () => {
    // As the filer logs in, from the filer.toml its pods mount.
    const login = filerLogin();
    const tables = await sql<{ table_name: string }>(
      login,
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
    );
    const name = key.split("/").pop() as string;
    const hits: string[] = [];
    for (const { table_name } of tables) {
      const rows = await sql<{ n: string }>(
        login,
        `SELECT count(*) AS n FROM "${table_name}" WHERE name = $1`,
        [name],
      );
      if (Number(rows[0]?.n) > 0) hits.push(table_name);
    }
    expect(hits.length).toBe(1);
  });
});

describe(`the database (${TIER_LABEL})`, () => {
  it("does a SQL round trip with the credentials the stack exported", async () => {
    const login = appLogin();
    const marker = randomBytes(8).toString("hex");
    await sql(login, "CREATE TABLE IF NOT EXISTS integration_round_trip (marker text PRIMARY KEY)");
    await sql(login, "INSERT INTO integration_round_trip VALUES ($1)", [marker]);
    const rows = await sql<{ marker: string }>(
      login,
      "SELECT marker FROM integration_round_trip WHERE marker = $1",
      [marker],
    );
    expect(rows).toEqual([{ marker }]);
  });

  it("lets the app's user reach only its own database", async () => {
    // PostgreSQL refuses the connection (no CONNECT); CockroachDB lets any user connect to any database
    // and refuses the read. Either way the filer's metadata stays out of the app's reach.
    const filer = filerLogin();
    const intruding = { ...appLogin(), database: filer.database };
    await expect(sql(intruding, `SELECT count(*) FROM ${filer.database}.public.filemeta`)).rejects.toThrow(
      SQL_TIER === "cockroachdb" ? /does not have \w+ privilege/ : /permission denied for database/,
    );
  });
});

describe("the app", () => {
  it("reports healthy on every replica, database and storage up, on both ports", async () => {
    const replicas = pods("server").filter((p) => p.status?.phase === "Running");
    expect(replicas).toHaveLength(2);
    for (const pod of replicas) {
      for (const port of [4000, 4001]) {
        const health = await getJson<Health>(`http://${pod.status?.podIP}:${port}/health`);
        expect(health.status).toBe(200);
        expect(health.body.database.ok).toBe(true);
        expect(health.body.storage.ok).toBe(true);
      }
    }
  });

  it("ran the migration Job to completion before the Deployment rolled", () => {
    const jobs = JSON.parse(
      cluster.kubectl([
        "-n",
        NAMESPACE,
        "get",
        "jobs",
        "-l",
        "app.kubernetes.io/component=migrate",
        "-o",
        "json",
      ]),
    ) as { items: k8s.V1Job[] };
    expect(jobs.items).toHaveLength(1);
    const completed = new Date(String(jobs.items[0]?.status?.completionTime)).getTime();
    expect(Number.isNaN(completed)).toBe(false);
    for (const pod of pods("server")) {
      expect(new Date(String(pod.metadata?.creationTimestamp)).getTime()).toBeGreaterThanOrEqual(
        Math.floor(completed / 1000) * 1000,
      );
    }
  });

  it("joins its two replicas into one Erlang cluster", async () => {
    const [a, b] = pods("server");
    const peer = `uro_standin@${b?.status?.podIP}`;
    const nodes = await poll(
      `${a?.metadata?.name} seeing ${peer}`,
      async () => {
        const health = await getJson<Health>(`http://${a?.status?.podIP}:4000/health`);
        return health.body.nodes.includes(peer) ? health.body.nodes : undefined;
      },
      { attempts: 30, intervalMs: 2000 },
    );
    expect(nodes).toContain(peer);
  });
});

// What a client sends to learn that a port really answers: busybox nc has no -z, and an exit status alone
// cannot tell a refused connection from a silent one. Any reply at all means the connection was allowed.
const HTTP_GET = "GET / HTTP/1.0\\r\\n\\r\\n";
const POSTGRES_SSL_REQUEST = "\\0\\0\\0\\10\\4\\322\\26\\57";
const HTTP2_PREFACE = "PRI * HTTP/2.0\\r\\n\\r\\nSM\\r\\n\\r\\n";

function reachScript(targets: Record<string, { address: string; payload: string }>): string {
  return Object.entries(targets)
    .map(
      ([name, t]) =>
        `n=$(printf '${t.payload}' | nc -w 3 ${t.address} 2>/dev/null | wc -c); ` +
        `if [ "$n" -gt 0 ]; then echo ${name}=open; else echo ${name}=blocked; fi`,
    )
    .join("; ");
}

/**
 * kube-router applies policies to a new pod's address asynchronously, a few seconds after the pod starts
 * (many CNIs do); probing at once would measure that window, not the policies.
 */
const POLICY_SETTLE_SECONDS = 10;

async function reachFrom(name: string, labels: Record<string, string>, script: string): Promise<string> {
  const settled = `sleep ${POLICY_SETTLE_SECONDS}; ${script}`;
  create(cluster, NAMESPACE, shellPod(cluster, name, settled, { labels }));
  const outcome = await podOutcome(cluster, NAMESPACE, name);
  cluster.kubectl(["-n", NAMESPACE, "delete", "pod", name, "--wait=false"]);
  return outcome.log;
}

const GENERATED_LABELS = new Set([
  "pod-template-hash",
  "controller-revision-hash",
  "statefulset.kubernetes.io/pod-name",
]);

/** A component's pod labels without the ones its controller adds per pod or revision. */
function labelsOf(component: string): Record<string, string> {
  const labels = pods(component)[0]?.metadata?.labels ?? {};
  return Object.fromEntries(Object.entries(labels).filter(([k]) => !GENERATED_LABELS.has(k)));
}

describe("NetworkPolicies, live", () => {
  it("let each pod open only what its flows allow; a pod without the allowed labels opens nothing", async () => {
    const app = appLogin();
    const targets = {
      sql: { address: `${sqlAddress(app)} ${app.port}`, payload: POSTGRES_SSL_REQUEST },
      master: { address: `${podIp("master")} 9333`, payload: HTTP_GET },
      masterGrpc: { address: `${podIp("master")} 19333`, payload: HTTP2_PREFACE },
      volume: { address: `${podIp("volume")} 8080`, payload: HTTP_GET },
      filer: { address: `${podIp("filer")} 8888`, payload: HTTP_GET },
      s3: { address: `${clusterIp(NAMESPACE, "vsekai-seaweedfs-s3")} 8333`, payload: HTTP_GET },
    };
    const script = reachScript(targets);
    const expected = {
      intruder: { sql: false, master: false, masterGrpc: false, volume: false, filer: false, s3: false },
      app: { sql: true, master: false, masterGrpc: false, volume: false, filer: false, s3: true },
      filer: { sql: true, master: true, masterGrpc: true, volume: true, filer: false, s3: false },
    };
    const seen: Record<string, Record<string, boolean>> = {};
    for (const [who, labels] of [
      ["intruder", { "vsekai.dev/test": "intruder" }],
      ["app", labelsOf("server")],
      ["filer", labelsOf("filer")],
    ] as const) {
      const log = await reachFrom(`policy-as-${who}`, labels, script);
      seen[who] = Object.fromEntries(Object.keys(targets).map((t) => [t, log.includes(`${t}=open`)]));
    }
    expect(seen).toEqual(expected);
  });
});

/** The kinds of change in an engine summary other than "same", with their counts. */
function changed(summary: Record<string, number> | undefined): [string, number][] {
  return Object.entries(summary ?? {}).filter(([kind, count]) => kind !== "same" && count > 0);
}

describe("lifecycle", () => {
  it("reports no change on a second up", async () => {
    const again = await dev.workspace.stack.up(policyOptions("dev"));
    expect(changed(again.summary.resourceChanges)).toEqual([]);
  });

  it("finds nothing to change on a preview and on a refresh right after up", async () => {
    const preview = await dev.workspace.stack.preview(policyOptions("dev"));
    expect(changed(preview.changeSummary)).toEqual([]);
    const refresh = await dev.workspace.stack.refresh();
    expect(changed(refresh.summary.resourceChanges)).toEqual([]);
  });

  it("shows hand edits in preview --refresh, and up puts each back", async () => {
    const deployment = JSON.parse(
      cluster.kubectl([
        "-n",
        NAMESPACE,
        "get",
        "deployments",
        "-l",
        "app.kubernetes.io/component=server",
        "-o",
        "json",
      ]),
    ) as { items: k8s.V1Deployment[] };
    const app = deployment.items[0];
    const appName = String(app?.metadata?.name);
    const env = app?.spec?.template.spec?.containers[0]?.env?.find(
      (e) => e.value !== undefined && e.value !== "",
    );
    if (env === undefined) throw new Error(`Deployment ${appName} has no plain env var to edit`);
    const policy =
      cluster.kubectl(["-n", NAMESPACE, "get", "networkpolicies", "-o", "name"]).split("\n")[0] ?? "";
    expect(policy).toMatch(/^networkpolicy/);

    cluster.kubectl(["-n", NAMESPACE, "scale", `deployment/${appName}`, "--replicas=1"]);
    cluster.kubectl(["-n", NAMESPACE, "set", "env", `deployment/${appName}`, `${env.name}=edited-by-hand`]);
    cluster.kubectl(["-n", NAMESPACE, "delete", policy]);

    const preview = await dev.workspace.stack.preview({ ...policyOptions("dev"), refresh: true });
    console.log(`preview --refresh after the hand edits: ${JSON.stringify(preview.changeSummary)}`);
    expect(preview.changeSummary.update ?? 0).toBeGreaterThanOrEqual(1);
    expect(preview.changeSummary.create ?? 0).toBeGreaterThanOrEqual(1);

    const repaired = await dev.workspace.stack.up({ ...policyOptions("dev"), refresh: true });
    expect(repaired.summary.result).toBe("succeeded");
    const live = JSON.parse(
      cluster.kubectl(["-n", NAMESPACE, "get", `deployment/${appName}`, "-o", "json"]),
    ) as k8s.V1Deployment;
    expect(live.spec?.replicas).toBe(2);
    expect(live.spec?.template.spec?.containers[0]?.env?.find((e) => e.name === env.name)?.value).toBe(
      env.value,
    );
    expect(cluster.kubectl(["-n", NAMESPACE, "get", policy, "-o", "name"]).trim()).toBe(policy);
    const again = await dev.workspace.stack.preview(policyOptions("dev"));
    expect(changed(again.changeSummary)).toEqual([]);
  });

  it("leaves nothing of the stack in the cluster after destroy", async () => {
    await dev.workspace.stack.destroy();
    const gone = await poll(
      `namespace ${NAMESPACE} gone`,
      async () => {
        const names = cluster.kubectl(["get", "namespaces", "-o", "name"]).split("\n");
        return names.includes(`namespace/${NAMESPACE}`) ? undefined : true;
      },
      { attempts: 150, intervalMs: 2000 },
    );
    expect(gone).toBe(true);
    const state = await dev.workspace.stack.exportStack();
    const left = ((state.deployment as { resources?: { type: string }[] }).resources ?? []).filter((r) =>
      r.type.startsWith("kubernetes:"),
    );
    expect(left).toEqual([]);
  });
});
