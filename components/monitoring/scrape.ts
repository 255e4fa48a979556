import type * as k8s from "@pulumi/kubernetes";
import type { MonitoringSettings } from "../config/monitoring.ts";
import type { Entrance } from "../networking/policies.ts";
import { metricsServiceName, type MonitoredStack, type ScrapeTarget } from "./targets.ts";

// How Prometheus finds and scrapes the targets. Each target gets a headless metrics Service of its own
// (the systems' Services share labels, so selecting those would scrape a pod twice, and some do not list
// the metrics port): with mode "annotations" it carries the prometheus.io/* annotations the common
// kubernetes-service-endpoints job reads; with "operator" a ServiceMonitor selects it.

export const METRICS_PORT_NAME = "metrics";
/** Marks the metrics Services apart from the systems' own, for the ServiceMonitors' selectors. */
export const METRICS_TARGET_LABEL = "vsekai.dev/metrics-target";

type ServiceSpec = k8s.types.input.core.v1.ServiceSpec;

/** The label set a target's metrics Service carries and its ServiceMonitor selects. */
export function metricsServiceSelector(stack: MonitoredStack, target: ScrapeTarget): Record<string, string> {
  return { [METRICS_TARGET_LABEL]: target.name, "app.kubernetes.io/instance": stack.instance };
}

/**
 * Headless, so each pod is its own endpoint, and listing pods that are not ready: a master without a raft
 * leader or a node that lost its quorum is exactly what must still be scraped.
 */
export function metricsServiceSpec(target: ScrapeTarget): ServiceSpec {
  return {
    clusterIP: "None",
    publishNotReadyAddresses: true,
    selector: target.pods.selector,
    ports: [{ name: METRICS_PORT_NAME, port: target.port, targetPort: target.port, protocol: "TCP" }],
  };
}

/** The annotations Prometheus' example kubernetes-service-endpoints job (and its Helm chart) reads. */
export function scrapeAnnotations(target: ScrapeTarget): Record<string, string> {
  return {
    "prometheus.io/scrape": "true",
    "prometheus.io/port": String(target.port),
    "prometheus.io/path": target.path,
    "prometheus.io/scheme": target.tls ? "https" : "http",
  };
}

/** A ServiceMonitor's spec (monitoring.coreos.com/v1): the target's metrics Service, over TLS when it has it. */
export function serviceMonitorSpec(stack: MonitoredStack, target: ScrapeTarget): Record<string, unknown> {
  const tls = target.tls;
  return {
    selector: { matchLabels: metricsServiceSelector(stack, target) },
    namespaceSelector: { matchNames: [stack.namespace] },
    endpoints: [
      {
        port: METRICS_PORT_NAME,
        path: target.path,
        scheme: tls ? "https" : "http",
        ...(tls
          ? {
              tlsConfig: {
                ca: { secret: { name: tls.caSecretName, key: tls.caKey } },
                serverName: tls.serverName,
              },
            }
          : {}),
      },
    ],
  };
}

/**
 * The scraper's way in: from its namespace, to each target's pods, on the metrics port only. The app's
 * metrics may share its HTTP port; that port is then what the scraper reaches.
 */
export function scraperEntrances(
  settings: MonitoringSettings,
  stack: MonitoredStack,
  targets: ScrapeTarget[],
): Entrance[] {
  if (settings.mode === "off" || settings.scraperNamespace === undefined) return [];
  const from = settings.scraperNamespace;
  return targets.map((t) => ({
    peer: t.pods,
    ports: [t.port],
    fromNamespace: from,
    reason: `Prometheus in ${from} scrapes ${t.path} on ${t.port} (${metricsServiceName(stack.prefix, t)})`,
  }));
}
