import * as k8s from "@kubernetes/client-node";
import {
  MONITORING_GROUP,
  MONITORING_NAMESPACE,
  monitoringImages,
  OPERATOR,
  operatorCrds,
  operatorManifests,
  PROMETHEUS_NAME,
  PROMETHEUS_POD_LABEL,
  PROMETHEUS_PORT,
  prometheusResource,
  type MonitoringImages,
} from "./monitoring-manifests.ts";

// The live monitoring test's Prometheus: the Prometheus Operator v0.85.0 and one Prometheus it manages
// (monitoring-manifests.ts), run by this harness in a namespace of its own, never by the product's
// components. Applied with server-side apply; every wait is bounded and says what to look at.

const FIELD_MANAGER = "vsekai-harness";

export interface MonitoringFixture {
  namespace: string;
  prometheus: string;
  /** Prometheus' HTTP API, at its pod's IP now (read again after a restart). */
  url: () => Promise<string>;
}

async function apply(client: k8s.KubernetesObjectApi, object: k8s.KubernetesObject): Promise<void> {
  await client.patch(object, undefined, undefined, FIELD_MANAGER, true, k8s.PatchStrategy.ServerSideApply);
}

/** Calls `probe` every 2 s until it returns true; after `timeoutSeconds`, throws `failure` and the last error. */
async function waitUntil(
  timeoutSeconds: number,
  failure: string,
  probe: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let last = "";
  while (Date.now() < deadline) {
    try {
      if (await probe()) return;
      last = "";
    } catch (error) {
      last = ` (last error: ${error instanceof Error ? error.message : String(error)})`;
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
  throw new Error(`${failure} within ${timeoutSeconds}s${last}`);
}

const conditionTrue = (conditions: { type?: string; status?: string }[] | undefined, type: string) =>
  (conditions ?? []).some((c) => c.type === type && c.status === "True");

async function prometheusPodIp(core: k8s.CoreV1Api): Promise<string | undefined> {
  const pods = await core.listNamespacedPod({
    namespace: MONITORING_NAMESPACE,
    labelSelector: `${PROMETHEUS_POD_LABEL}=${PROMETHEUS_NAME}`,
  });
  const ready = pods.items.find((p) => conditionTrue(p.status?.conditions, "Ready"));
  return ready?.status?.podIP;
}

/** Waits until the namespace is gone, or (`unlessLive`) returns at once when it exists and is not terminating. */
async function namespaceGone(core: k8s.CoreV1Api, timeoutSeconds: number, unlessLive = false): Promise<void> {
  await waitUntil(timeoutSeconds, `namespace ${MONITORING_NAMESPACE} was still there`, async () => {
    try {
      const ns = await core.readNamespace({ name: MONITORING_NAMESPACE });
      return unlessLive && ns.metadata?.deletionTimestamp === undefined;
    } catch (error) {
      if ((error as { code?: number }).code === 404) return true;
      throw error;
    }
  });
}

/**
 * Applies the CRDs, the Operator and the Prometheus (server-side apply: a second run changes nothing) and
 * waits, each step bounded, until Prometheus answers /-/ready.
 */
export async function ensureMonitoringFixture(
  kc: k8s.KubeConfig,
  options: { stackNamespaces: string[]; images?: MonitoringImages; timeoutSeconds?: number },
): Promise<MonitoringFixture> {
  const images = options.images ?? monitoringImages();
  const timeout = options.timeoutSeconds ?? 300;
  const extensions = kc.makeApiClient(k8s.ApiextensionsV1Api);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  // A namespace still being deleted (an earlier removal) refuses new objects.
  await namespaceGone(core, timeout, true);
  const crds = operatorCrds();
  const bootstrap = k8s.KubernetesObjectApi.makeApiClient(kc);
  for (const crd of crds) await apply(bootstrap, crd);
  for (const crd of crds) {
    const name = crd.metadata?.name ?? "";
    await waitUntil(timeout, `CRD ${name} was not established`, async () =>
      conditionTrue(
        (await extensions.readCustomResourceDefinition({ name })).status?.conditions,
        "Established",
      ),
    );
  }
  // A client made after the CRDs are served, so its discovery knows monitoring.coreos.com/v1.
  const client = k8s.KubernetesObjectApi.makeApiClient(kc);
  for (const object of operatorManifests(images)) await apply(client, object);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const hint = (what: string) =>
    `(are the images loaded? tools/images/build.sh --load containerd prometheus prometheus-operator ` +
    `prometheus-config-reloader); see: kubectl -n ${MONITORING_NAMESPACE} describe pods -l ${what}`;
  await waitUntil(
    timeout,
    `the Prometheus Operator was not ready ${hint(`app.kubernetes.io/name=${OPERATOR}`)}`,
    async () => {
      const d = await apps.readNamespacedDeployment({ name: OPERATOR, namespace: MONITORING_NAMESPACE });
      const current = (d.status?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 1);
      return current && (d.status?.readyReplicas ?? 0) >= 1;
    },
  );
  await apply(
    client,
    prometheusResource({ image: images.prometheus, stackNamespaces: options.stackNamespaces }),
  );
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  await waitUntil(
    timeout,
    `Prometheus ${PROMETHEUS_NAME} was not available ${hint(`${PROMETHEUS_POD_LABEL}=${PROMETHEUS_NAME}`)}`,
    async () => {
      const p = (await custom.getNamespacedCustomObject({
        group: MONITORING_GROUP,
        version: "v1",
        namespace: MONITORING_NAMESPACE,
        plural: "prometheuses",
        name: PROMETHEUS_NAME,
      })) as { status?: { conditions?: { type?: string; status?: string }[] } };
      return conditionTrue(p.status?.conditions, "Available");
    },
  );
  const url = async () => {
    const ip = await prometheusPodIp(core);
    if (ip === undefined) throw new Error(`no ready Prometheus pod in ${MONITORING_NAMESPACE}`);
    return `http://${ip}:${PROMETHEUS_PORT}`;
  };
  await waitUntil(timeout, `Prometheus did not answer /-/ready`, async () => {
    const response = await fetch(`${await url()}/-/ready`, { signal: AbortSignal.timeout(5000) });
    return response.ok;
  });
  return { namespace: MONITORING_NAMESPACE, prometheus: PROMETHEUS_NAME, url };
}

/**
 * Removes the fixture: its namespace (the Prometheus and the Operator with it), its cluster roles and,
 * unless kept, the CRDs, which takes every ServiceMonitor and PrometheusRule in the cluster with them.
 */
export async function removeMonitoringFixture(
  kc: k8s.KubeConfig,
  options: { keepCrds?: boolean; waitSeconds?: number } = {},
): Promise<void> {
  const client = k8s.KubernetesObjectApi.makeApiClient(kc);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const remove = async (object: k8s.KubernetesObject) => {
    try {
      await client.delete(object);
    } catch (error) {
      if ((error as { code?: number }).code !== 404) throw error;
    }
  };
  const manifests = operatorManifests({ prometheus: "unused", operator: "unused", reloader: "unused" });
  for (const object of manifests.filter((o) => o.kind === "Namespace")) await remove(object);
  await namespaceGone(core, options.waitSeconds ?? 300);
  for (const object of manifests.filter((o) => o.kind === "ClusterRole" || o.kind === "ClusterRoleBinding"))
    await remove(object);
  if (options.keepCrds !== true) for (const crd of operatorCrds()) await remove(crd);
}
