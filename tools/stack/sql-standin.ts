import { randomBytes } from "node:crypto";
import * as k8s from "@kubernetes/client-node";
import pg from "pg";

// The offline dev stack's database tier when no CockroachDB image can be had: Debian's PostgreSQL
// (tools/images/postgres-standin), run by this harness in a namespace of its own, never by the product's
// components. The stack reaches it through its `cockroach.mode: external` path, exactly as it would reach
// CockroachDB Cloud. Passwords are generated once and kept in a Secret of the stand-in's namespace.

/** The dev stack's; every other stack the harness runs gets `vsekai-<stack>-sql-standin`. */
export const STANDIN_NAMESPACE = "vsekai-dev-sql-standin";
export const STANDIN_IMAGE = "vsekai.local/postgres-standin:15";
const NAME = "postgres-standin";
const PORT = 5432;
const LABELS = { "app.kubernetes.io/name": NAME, "app.kubernetes.io/part-of": "vsekai-dev-harness" };
const PASSWORD_KEYS = ["superuser", "app", "filer"] as const;
type Passwords = Record<(typeof PASSWORD_KEYS)[number], string>;

export interface StandinDatabases {
  app: { database: string; user: string };
  filer: { database: string; user: string };
}

export interface StandinUrls {
  databaseUrl: string;
  filerDatabaseUrl: string;
  host: string;
}

function isNotFound(error: unknown): boolean {
  return (error as { code?: number }).code === 404;
}

/** Creates something unless it exists already (409). */
export async function ensure(create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (error) {
    if ((error as { code?: number }).code !== 409) throw error;
  }
}

async function passwords(core: k8s.CoreV1Api, namespace: string): Promise<Passwords> {
  try {
    const secret = await core.readNamespacedSecret({ name: NAME, namespace });
    const data = secret.data ?? {};
    return Object.fromEntries(
      PASSWORD_KEYS.map((k) => [k, Buffer.from(data[k] ?? "", "base64").toString("utf8")]),
    ) as Passwords;
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  const fresh = Object.fromEntries(
    PASSWORD_KEYS.map((k) => [k, randomBytes(24).toString("hex")]),
  ) as Passwords;
  await core.createNamespacedSecret({
    namespace,
    body: { metadata: { name: NAME, labels: LABELS }, stringData: fresh },
  });
  return fresh;
}

export function standinStatefulSet(): k8s.V1StatefulSet {
  return {
    metadata: { name: NAME, labels: LABELS },
    spec: {
      serviceName: NAME,
      replicas: 1,
      selector: { matchLabels: LABELS },
      template: {
        metadata: { labels: LABELS },
        spec: {
          automountServiceAccountToken: false,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 999,
            runAsGroup: 999,
            fsGroup: 999,
            // A recursive fsGroup pass on every restart makes the data directory group-writable, and
            // PostgreSQL then refuses to start; the first pass (empty volume) is all it needs.
            fsGroupChangePolicy: "OnRootMismatch",
            seccompProfile: { type: "RuntimeDefault" },
          },
          containers: [
            {
              name: "postgres",
              image: STANDIN_IMAGE,
              imagePullPolicy: "IfNotPresent",
              env: [
                {
                  name: "POSTGRES_PASSWORD",
                  valueFrom: { secretKeyRef: { name: NAME, key: "superuser" } },
                },
                { name: "PGDATA", value: "/var/lib/postgresql/data/pgdata" },
              ],
              ports: [{ name: "postgres", containerPort: PORT }],
              readinessProbe: { tcpSocket: { port: PORT }, periodSeconds: 2, failureThreshold: 3 },
              resources: {
                requests: { cpu: "100m", memory: "256Mi" },
                limits: { cpu: "1", memory: "512Mi" },
              },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ["ALL"] },
              },
              volumeMounts: [
                { name: "data", mountPath: "/var/lib/postgresql/data" },
                { name: "tmp", mountPath: "/tmp" },
              ],
            },
          ],
          volumes: [{ name: "tmp", emptyDir: {} }],
        },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: "data" },
          spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "2Gi" } } },
        },
      ],
    },
  };
}

async function waitReady(apps: k8s.AppsV1Api, namespace: string, timeoutSeconds: number): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  while (Date.now() < deadline) {
    const sts = await apps.readNamespacedStatefulSet({ name: NAME, namespace });
    if ((sts.status?.readyReplicas ?? 0) >= 1) return;
    await new Promise((r) => setTimeout(r, 2000));
  }
  throw new Error(
    `the PostgreSQL stand-in in namespace ${namespace} was not ready within ${timeoutSeconds}s; ` +
      `see: kubectl -n ${namespace} describe pod ${NAME}-0`,
  );
}

/** SQL that makes each client a database it owns and nobody else may connect to. Idempotent. */
export function provisioningStatements(
  dbs: StandinDatabases,
  pw: Passwords,
): { role: string[]; database: string[] } {
  const role: string[] = [];
  const database: string[] = [];
  for (const [who, password] of [
    [dbs.app, pw.app],
    [dbs.filer, pw.filer],
  ] as const) {
    role.push(
      `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${who.user}') THEN CREATE ROLE ${who.user} LOGIN; END IF; END $$`,
      `ALTER ROLE ${who.user} WITH LOGIN PASSWORD '${password}'`,
    );
    database.push(`CREATE DATABASE ${who.database} OWNER ${who.user}`);
    database.push(`REVOKE CONNECT, TEMPORARY ON DATABASE ${who.database} FROM PUBLIC`);
  }
  return { role, database };
}

const superuserLogin = (host: string, pw: Passwords): pg.ClientConfig => ({
  host,
  port: PORT,
  user: "postgres",
  password: pw.superuser,
  database: "postgres",
  connectionTimeoutMillis: 5000,
});

async function provision(host: string, dbs: StandinDatabases, pw: Passwords): Promise<void> {
  const client = new pg.Client(superuserLogin(host, pw));
  await client.connect();
  try {
    const { role, database } = provisioningStatements(dbs, pw);
    for (const sql of role) await client.query(sql);
    const existing = new Set(
      (await client.query<{ datname: string }>("SELECT datname FROM pg_database")).rows.map((r) => r.datname),
    );
    for (const sql of database) {
      const created = /^CREATE DATABASE (\w+)/.exec(sql)?.[1];
      if (created !== undefined && existing.has(created)) continue;
      await client.query(sql);
    }
  } finally {
    await client.end();
  }
}

const PROVISION_ATTEMPTS = 60;

async function retryRefused<T>(action: () => Promise<T>, attempts: number, intervalMs: number): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await action();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (attempt >= attempts || (code !== "ECONNREFUSED" && code !== "ECONNRESET")) throw error;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
}

/** Starts (or finds) the stand-in, provisions the app's and the filer's databases, returns their URLs. */
export async function ensureSqlStandin(
  kc: k8s.KubeConfig,
  dbs: StandinDatabases,
  namespace = STANDIN_NAMESPACE,
): Promise<StandinUrls> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  await namespaceGoneIfTerminating(core, namespace, 300);
  await ensure(() =>
    core.createNamespace({
      body: {
        metadata: {
          name: namespace,
          labels: { ...LABELS, "pod-security.kubernetes.io/enforce": "restricted" },
        },
      },
    }),
  );
  const pw = await passwords(core, namespace);
  await ensure(() => apps.createNamespacedStatefulSet({ namespace, body: standinStatefulSet() }));
  await ensure(() =>
    core.createNamespacedService({
      namespace,
      body: {
        metadata: { name: NAME, labels: LABELS },
        spec: { selector: LABELS, ports: [{ name: "postgres", port: PORT, targetPort: PORT }] },
      },
    }),
  );
  await waitReady(apps, namespace, 300);
  const clusterIp = await standinClusterIp(core, namespace);
  // The harness runs on the node, where kube-proxy routes cluster IPs; pods use the Service's DNS name.
  // A Ready pod is not yet a routed Service: until kube-proxy has written the endpoint's rules, the cluster
  // IP refuses connections. So connection refusals are retried, within a bound.
  await retryRefused(() => provision(clusterIp, dbs, pw), PROVISION_ATTEMPTS, 1000);
  const url = (who: { user: string; database: string }, password: string) =>
    standinUrl(namespace, who.user, password, who.database);
  return {
    databaseUrl: url(dbs.app, pw.app),
    filerDatabaseUrl: url(dbs.filer, pw.filer),
    host: standinHost(namespace),
  };
}

/** The Service's cluster IP, which the harness on the node connects to (kube-proxy routes it). */
async function standinClusterIp(core: k8s.CoreV1Api, namespace: string): Promise<string> {
  const service = await core.readNamespacedService({ name: NAME, namespace });
  const clusterIp = service.spec?.clusterIP;
  if (clusterIp === undefined) throw new Error(`Service ${namespace}/${NAME} has no cluster IP`);
  return clusterIp;
}

/** The Service's DNS name, which pods in the cluster use. */
const standinHost = (namespace: string): string => `${NAME}.${namespace}.svc.cluster.local`;

/**
 * Runs `action` as the stand-in's superuser, connected at the Service's cluster IP (for harness steps
 * that change logins; the stack itself never has this login).
 */
export async function withStandinSuperuser<T>(
  kc: k8s.KubeConfig,
  namespace: string,
  action: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const pw = await passwords(core, namespace);
  const client = new pg.Client(superuserLogin(await standinClusterIp(core, namespace), pw));
  await retryRefused(() => client.connect(), 10, 1000);
  try {
    return await action(client);
  } finally {
    await client.end();
  }
}

/** The URL a client in the cluster reaches the stand-in with, as `user`. */
export function standinUrl(namespace: string, user: string, password: string, database: string): string {
  return `postgres://${user}:${encodeURIComponent(password)}@${standinHost(namespace)}:${PORT}/${database}?sslmode=disable`;
}

/** A namespace still being deleted (a recent `down`) refuses new objects: wait until it is gone. */
async function namespaceGoneIfTerminating(
  core: k8s.CoreV1Api,
  namespace: string,
  timeoutSeconds: number,
): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  while (Date.now() < deadline) {
    try {
      const ns = await core.readNamespace({ name: namespace });
      if (ns.metadata?.deletionTimestamp === undefined) return;
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
  throw new Error(`namespace ${namespace} is still terminating after ${timeoutSeconds}s`);
}

export async function removeSqlStandin(kc: k8s.KubeConfig, namespace = STANDIN_NAMESPACE): Promise<void> {
  await removeNamespace(kc, namespace);
}

/** Deletes a namespace (and so everything in it); with `waitSeconds`, until it is gone. */
export async function removeNamespace(
  kc: k8s.KubeConfig,
  namespace: string,
  waitSeconds?: number,
): Promise<void> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  try {
    await core.deleteNamespace({ name: namespace });
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  if (waitSeconds !== undefined) await namespaceGoneIfTerminating(core, namespace, waitSeconds);
}

/** Whether a node of the cluster already holds this image (no registry can supply it here). */
export async function nodeHasImage(kc: k8s.KubeConfig, image: string): Promise<boolean> {
  const nodes = await kc.makeApiClient(k8s.CoreV1Api).listNode();
  const wanted = [image, `docker.io/${image}`];
  return nodes.items.some((n) =>
    (n.status?.images ?? []).some((i) => (i.names ?? []).some((x) => wanted.includes(x))),
  );
}
