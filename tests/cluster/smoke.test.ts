// Smoke test of the local cluster (tools/cluster/cluster.sh): pods run under the "restricted" Pod Security
// level, Service DNS resolves, NetworkPolicy blocks and allows, and a claim on the default StorageClass binds.
// Needs a running cluster: `sudo tools/cluster/cluster.sh start && eval "$(sudo tools/cluster/cluster.sh env)"`.
// Every connection goes to in-cluster addresses only; every wait is bounded.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as k8s from "@kubernetes/client-node";
import {
  connect,
  create,
  poll,
  podOutcome,
  read,
  shellPod,
  waitForPodRunning,
  type Cluster,
} from "./kube.ts";

const namespace = `smoke-${Date.now().toString(36)}`;
const webContent = "hello-from-web";
let cluster: Cluster;
let webServiceIp = "";

// HTTP through busybox nc: Debian's static busybox wget crashes (static glibc resolver), nc does not.
const httpGet = (address: string): string =>
  `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 ${address} 80 | grep -x ${webContent}`;
/** Fetches the web page from `address` up to `tries` times (2 s timeout each); exits 0 on the first success. */
const reachScript = (address: string, tries: number): string =>
  `i=0; while [ $i -lt ${tries} ]; do if ${httpGet(address)}; then exit 0; fi; i=$((i+1)); sleep 1; done; ` +
  `echo "unreachable after ${tries} tries"; exit 1`;
/** Exits 0 only when all `tries` fetches from `address` fail, i.e. the connection is blocked. */
const blockedScript = (address: string, tries: number): string =>
  `i=0; while [ $i -lt ${tries} ]; do if ${httpGet(address)}; then echo REACHED; exit 1; fi; i=$((i+1)); done; ` +
  `echo BLOCKED; exit 0`;

async function runToCompletion(pod: k8s.V1Pod): Promise<{ succeeded: boolean; log: string }> {
  create(cluster, namespace, pod);
  return podOutcome(cluster, namespace, pod.metadata?.name ?? "");
}

beforeAll(async () => {
  cluster = connect();
  create(cluster, "default", {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name: namespace,
      labels: { "pod-security.kubernetes.io/enforce": "restricted", "smoke.vsekai.dev/test": "cluster" },
    },
  });
  // Service accounts are created by the controller manager; pods are refused until "default" exists.
  await poll(
    "default service account in the test namespace",
    async () => read<k8s.V1ServiceAccount>(cluster, namespace, "serviceaccount", "default"),
    { attempts: 30, intervalMs: 1000 },
  );
}, 60_000);

afterAll(async () => {
  if (!cluster) return;
  try {
    cluster.kubectl(["delete", "namespace", namespace, "--wait=false"]);
  } catch {
    // Left for a later run to see; the namespace name is unique per run.
  }
}, 30_000);

describe("local cluster", () => {
  it("runs a pod as the restricted level's non-root user", async () => {
    const outcome = await runToCompletion(shellPod(cluster, "whoami", "id -u"));
    expect(outcome).toEqual({ succeeded: true, log: "65534\n" });
  });

  it("rejects a privileged pod in a namespace that enforces the restricted Pod Security level", async () => {
    const pod = shellPod(cluster, "privileged", "true");
    const container = pod.spec?.containers[0];
    if (!container) throw new Error("shellPod made no container");
    container.securityContext = { privileged: true };
    expect(() => create(cluster, namespace, pod)).toThrow(
      /forbidden: violates PodSecurity "restricted:latest": privileged \(container "main" must not set securityContext\.privileged=true\)/,
    );
  });

  it("resolves a Service through cluster DNS and reaches it at the resolved address", async () => {
    create(
      cluster,
      namespace,
      shellPod(
        cluster,
        "web",
        `mkdir -p /tmp/www && echo ${webContent} > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www`,
        { labels: { app: "web" }, restartPolicy: "Always" },
      ),
    );
    const service = create<k8s.V1Service>(cluster, namespace, {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web" },
      spec: { selector: { app: "web" }, ports: [{ port: 80, targetPort: 8080, protocol: "TCP" }] },
    });
    webServiceIp = service.spec?.clusterIP ?? "";
    expect(webServiceIp).toMatch(/^10\.96\./);
    await waitForPodRunning(cluster, namespace, "web");

    const fqdn = `web.${namespace}.svc.cluster.local`;
    const outcome = await runToCompletion(
      shellPod(
        cluster,
        "dns-client",
        `i=0; until nslookup ${fqdn}; do i=$((i+1)); [ $i -ge 15 ] && exit 1; sleep 1; done; ` +
          `address=$(nslookup ${fqdn} | sed -n 's/^Address: //p' | tail -n 1); ${reachScript("$address", 15)}`,
      ),
    );
    expect(outcome.succeeded, outcome.log).toBe(true);
    expect(outcome.log).toContain(`Name:\t${fqdn}`);
    expect(outcome.log).toContain(`Address: ${webServiceIp}`);
    expect(outcome.log).toContain(webContent);
  });

  it("enforces NetworkPolicy: default deny blocks a forbidden client, a label-selected client gets through", async () => {
    expect(webServiceIp, "the DNS test creates the web Service").not.toBe("");
    // Without policies the future intruder reaches the server, so a later failure is the policy's doing.
    const before = await runToCompletion(
      shellPod(cluster, "intruder-before", reachScript(webServiceIp, 15), { labels: { role: "intruder" } }),
    );
    expect(before.succeeded, before.log).toBe(true);
    expect(before.log).toContain(webContent);

    create<k8s.V1NetworkPolicy>(cluster, namespace, {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: "default-deny" },
      spec: { podSelector: {}, policyTypes: ["Ingress"] },
    });
    // Plain JSON for kubectl: the policy peer field is "from" (client-node's model calls it "_from").
    create(cluster, namespace, {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: "web-from-friends" },
      spec: {
        podSelector: { matchLabels: { app: "web" } },
        policyTypes: ["Ingress"],
        ingress: [
          {
            from: [{ podSelector: { matchLabels: { role: "friend" } } }],
            ports: [{ port: 8080, protocol: "TCP" }],
          },
        ],
      },
    });

    // The permitted client retries while kube-router programs the new pod's address into the allow list.
    const friend = await runToCompletion(
      shellPod(cluster, "friend", reachScript(webServiceIp, 30), { labels: { role: "friend" } }),
    );
    expect(friend.succeeded, friend.log).toBe(true);
    expect(friend.log).toContain(webContent);

    const intruder = await runToCompletion(
      shellPod(cluster, "intruder-after", blockedScript(webServiceIp, 3), { labels: { role: "intruder" } }),
    );
    // kube-router rejects (nc prints "Connection refused") rather than dropping; either way nothing got through.
    expect(intruder.succeeded, intruder.log).toBe(true);
    expect(intruder.log).toMatch(/BLOCKED\n$/);
    expect(intruder.log).not.toContain(webContent);
  });

  it("binds a claim on the default StorageClass and mounts it writable", async () => {
    create<k8s.V1PersistentVolumeClaim>(cluster, namespace, {
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: { name: "data" },
      spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
    });
    const outcome = await runToCompletion(
      shellPod(cluster, "writer", "echo persisted > /data/file && cat /data/file", {
        volumes: [{ name: "data", persistentVolumeClaim: { claimName: "data" } }],
        mounts: [{ name: "data", mountPath: "/data" }],
      }),
    );
    expect(outcome).toEqual({ succeeded: true, log: "persisted\n" });
    const claim = read<k8s.V1PersistentVolumeClaim>(cluster, namespace, "persistentvolumeclaim", "data");
    expect(claim.status?.phase).toBe("Bound");
    expect(claim.spec?.storageClassName).toBe("local");
  });
});
