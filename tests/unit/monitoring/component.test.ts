import { describe, expect, it } from "vitest";
import { RULES_FILE_KEY, StackMonitoring } from "../../../components/monitoring/index.ts";
import { field, installMocks, ofType, one, settle, type MockState } from "../harness.ts";
import { monitoredFrom, stackSettings } from "../../monitoring/fixture.ts";

const SERVICE = "kubernetes:core/v1:Service";
const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
const SERVICE_MONITOR = "kubernetes:monitoring.coreos.com/v1:ServiceMonitor";
const PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";

async function declare(monitoring: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const mocks = installMocks();
  const stack = monitoredFrom(stackSettings("prod", { monitoring, ...extra }));
  const component = new StackMonitoring("monitoring", { namespace: "vsekai-prod", stack });
  await settle();
  return { mocks, component };
}

/** Names of the declared objects of a type, sorted: registrations reach the mocks in no fixed order. */
const names = (mocks: MockState, type: string) =>
  ofType(mocks, type)
    .map((r) => field<string>(r, "metadata.name"))
    .sort();

describe("StackMonitoring", () => {
  it("declares nothing with monitoring off", async () => {
    const { mocks, component } = await declare({});
    expect(mocks.resources.filter((r) => r.type.startsWith("kubernetes:"))).toEqual([]);
    expect(component.entrances).toEqual([]);
  });

  it("with the Operator: a metrics Service and a ServiceMonitor per target, a PrometheusRule per system, labelled for the user's Prometheus", async () => {
    const { mocks, component } = await declare({
      mode: "operator",
      scraperNamespace: "monitoring",
      labels: { release: "kube-prometheus-stack" },
    });
    const services = [
      "vsekai-cockroachdb-metrics",
      "vsekai-seaweedfs-filer-metrics",
      "vsekai-seaweedfs-master-metrics",
      "vsekai-seaweedfs-s3-metrics",
      "vsekai-seaweedfs-volume-metrics",
      "vsekai-uro-metrics",
    ];
    expect(names(mocks, SERVICE)).toEqual(services);
    expect(names(mocks, SERVICE_MONITOR)).toEqual(services);
    expect(names(mocks, PROMETHEUS_RULE)).toEqual([
      "vsekai-app-alerts",
      "vsekai-cockroachdb-alerts",
      "vsekai-seaweedfs-alerts",
    ]);
    for (const r of [...ofType(mocks, SERVICE_MONITOR), ...ofType(mocks, PROMETHEUS_RULE)]) {
      expect(field(r, "metadata.labels.release")).toBe("kube-prometheus-stack");
      expect(field(r, "metadata.namespace")).toBe("vsekai-prod");
      expect(field(r, "apiVersion")).toBe("monitoring.coreos.com/v1");
    }
    const volume = one(mocks, SERVICE, "seaweedfs-volume");
    expect(field(volume, "metadata.annotations")).toBeUndefined();
    expect(field(volume, "spec.selector")).toEqual({
      "app.kubernetes.io/name": "seaweedfs",
      "app.kubernetes.io/instance": "prod",
      "app.kubernetes.io/component": "volume",
    });
    // The ServiceMonitor selects exactly its metrics Service by the labels that Service carries.
    const monitor = one(mocks, SERVICE_MONITOR, "seaweedfs-volume");
    const selector = field<Record<string, string>>(monitor, "spec.selector.matchLabels");
    const serviceLabels = field<Record<string, string>>(volume, "metadata.labels");
    const matching = ofType(mocks, SERVICE).filter((s) =>
      Object.entries(selector).every(
        ([k, v]) => field<Record<string, string>>(s, "metadata.labels")[k] === v,
      ),
    );
    expect(matching).toEqual([volume]);
    expect(serviceLabels["vsekai.dev/metrics-target"]).toBe("seaweedfs-volume");
    const rules = one(mocks, PROMETHEUS_RULE, "seaweedfs");
    expect(field<{ name: string }[]>(rules, "spec.groups").map((g) => g.name)).toEqual([
      "vsekai-prod.seaweedfs",
    ]);
    expect(names(mocks, CONFIG_MAP)).toEqual([
      "vsekai-app-dashboard",
      "vsekai-cockroachdb-dashboard",
      "vsekai-seaweedfs-dashboard",
    ]);
    expect(component.entrances.map((e) => [e.peer.name, e.ports, e.fromNamespace])).toEqual([
      ["cockroachdb", [8080], "monitoring"],
      ["seaweedfs-master", [9327], "monitoring"],
      ["seaweedfs-volume", [9327], "monitoring"],
      ["seaweedfs-filer", [9327], "monitoring"],
      ["seaweedfs-s3", [9327], "monitoring"],
      ["uro", [4000], "monitoring"],
    ]);
  });

  it("with annotations: annotated metrics Services and the rules as a file in a ConfigMap, no Operator objects", async () => {
    const { mocks } = await declare({ mode: "annotations", scraperNamespace: "monitoring" });
    expect(ofType(mocks, SERVICE_MONITOR)).toEqual([]);
    expect(ofType(mocks, PROMETHEUS_RULE)).toEqual([]);
    expect(field(one(mocks, SERVICE, "cockroachdb"), "metadata.annotations")).toEqual({
      "prometheus.io/scrape": "true",
      "prometheus.io/port": "8080",
      "prometheus.io/path": "/_status/vars",
      "prometheus.io/scheme": "https",
    });
    const rules = one(mocks, CONFIG_MAP, "monitoring-rules");
    expect(field(rules, "metadata.name")).toBe("vsekai-prometheus-rules");
    const file = JSON.parse(field<Record<string, string>>(rules, "data")[RULES_FILE_KEY] ?? "") as {
      groups: { name: string }[];
    };
    expect(file.groups.map((g) => g.name)).toEqual([
      "vsekai-prod.cockroachdb",
      "vsekai-prod.seaweedfs",
      "vsekai-prod.app",
    ]);
  });

  it("puts dashboards where the sidecar looks, with its label, as parseable JSON; or none when disabled", async () => {
    const { mocks } = await declare({
      mode: "operator",
      scraperNamespace: "monitoring",
      dashboards: { namespace: "grafana", labels: { grafana_dashboard: "vsekai" } },
    });
    const dashboards = ofType(mocks, CONFIG_MAP);
    expect(dashboards).toHaveLength(3);
    for (const d of dashboards) {
      expect(field(d, "metadata.namespace")).toBe("grafana");
      expect(field(d, "metadata.labels.grafana_dashboard")).toBe("vsekai");
      const [key, json] = Object.entries(field<Record<string, string>>(d, "data"))[0] ?? [];
      const parsed = JSON.parse(json ?? "") as { uid: string; panels: unknown[] };
      expect(key).toBe(`${parsed.uid}.json`);
      expect(parsed.panels.length).toBeGreaterThan(4);
    }
    const none = await declare({
      mode: "operator",
      scraperNamespace: "monitoring",
      dashboards: { enabled: false },
    });
    expect(ofType(none.mocks, CONFIG_MAP)).toEqual([]);
  });

  it("scrapes CockroachDB over plain HTTP and without a CA when TLS is off", async () => {
    const { mocks } = await declare(
      { mode: "operator", scraperNamespace: "monitoring" },
      { cockroach: { tls: false, nodes: 3 } },
    );
    expect(field(one(mocks, SERVICE_MONITOR, "cockroachdb"), "spec.endpoints")).toEqual([
      { port: "metrics", path: "/_status/vars", scheme: "http" },
    ]);
  });
});
