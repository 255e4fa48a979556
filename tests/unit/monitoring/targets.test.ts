import { describe, expect, it } from "vitest";
import {
  metricsServiceName,
  metricsServiceSpec,
  scrapeAnnotations,
  scraperEntrances,
  scrapeTargets,
  serviceMonitorSpec,
  targetSelector,
} from "../../../components/monitoring/index.ts";
import { policiesFor } from "../../../components/networking/policies.ts";
import { EXTERNAL_SQL, monitoredFrom, stackSettings } from "../../monitoring/fixture.ts";

const operator = { mode: "operator", scraperNamespace: "monitoring" };

describe("scrape targets", () => {
  it("cover every CockroachDB node, every SeaweedFS server and the app, each on its metrics port", () => {
    const stack = monitoredFrom(stackSettings("prod", { monitoring: operator }));
    const targets = scrapeTargets(stack);
    expect(
      targets.map((t) => [t.name, t.port, t.path, t.expected, t.tls === undefined ? "http" : "https"]),
    ).toEqual([
      ["cockroachdb", 8080, "/_status/vars", 3, "https"],
      ["seaweedfs-master", 9327, "/metrics", 3, "http"],
      ["seaweedfs-volume", 9327, "/metrics", 3, "http"],
      ["seaweedfs-filer", 9327, "/metrics", 2, "http"],
      ["seaweedfs-s3", 9327, "/metrics", 2, "http"],
      ["uro", 4000, "/metrics", 3, "http"],
    ]);
    expect(targets[0]?.tls).toEqual({
      caSecretName: "vsekai-cockroachdb-ca",
      caKey: "ca.crt",
      serverName: "vsekai-cockroachdb-public.vsekai-prod.svc.cluster.local",
    });
    expect(targets[2]?.pods.selector).toEqual({
      "app.kubernetes.io/name": "seaweedfs",
      "app.kubernetes.io/instance": "prod",
      "app.kubernetes.io/component": "volume",
    });
  });

  it("scrape CockroachDB over plain HTTP when TLS is off, and leave out an external database", () => {
    const insecure = monitoredFrom(stackSettings("dev", { monitoring: operator, cockroach: { tls: false } }));
    expect(scrapeTargets(insecure)[0]).toMatchObject({ name: "cockroachdb", expected: 1 });
    expect(scrapeTargets(insecure)[0]?.tls).toBeUndefined();
    const external = monitoredFrom(stackSettings("dev", { monitoring: operator, ...EXTERNAL_SQL }));
    expect(scrapeTargets(external).map((t) => t.name)).not.toContain("cockroachdb");
  });

  it("follow app.metrics and the autoscaler's minimum, or leave the app out when its metrics are off", () => {
    const custom = monitoredFrom(
      stackSettings("prod", {
        monitoring: operator,
        app: {
          image: "ghcr.io/v-sekai/uro:3f2a9c1",
          metrics: { port: 4021, path: "/internal/metrics" },
          autoscaling: { minReplicas: 2, maxReplicas: 6, cpuUtilization: 70 },
        },
      }),
    );
    expect(scrapeTargets(custom).at(-1)).toMatchObject({
      name: "uro",
      port: 4021,
      path: "/internal/metrics",
      expected: 2,
    });
    const none = monitoredFrom(
      stackSettings("prod", {
        monitoring: operator,
        app: { image: "ghcr.io/v-sekai/uro:3f2a9c1", metrics: { enabled: false } },
      }),
    );
    expect(scrapeTargets(none).map((t) => t.name)).not.toContain("uro");
  });

  it("are selected in PromQL by namespace and metrics Service", () => {
    const stack = monitoredFrom(stackSettings("prod", { monitoring: operator }));
    const volume = scrapeTargets(stack)[2];
    if (!volume) throw new Error("no volume target");
    expect(metricsServiceName("vsekai", volume)).toBe("vsekai-seaweedfs-volume-metrics");
    expect(targetSelector(stack, volume, 'type="avail"')).toBe(
      '{namespace="vsekai-prod",service="vsekai-seaweedfs-volume-metrics",type="avail"}',
    );
  });
});

describe("how Prometheus finds them", () => {
  const stack = monitoredFrom(stackSettings("prod", { monitoring: operator }));
  const [cockroach, master] = scrapeTargets(stack);
  if (!cockroach || !master) throw new Error("targets missing");

  it("a headless metrics Service per target that lists pods not yet ready", () => {
    expect(metricsServiceSpec(master)).toEqual({
      clusterIP: "None",
      publishNotReadyAddresses: true,
      selector: master.pods.selector,
      ports: [{ name: "metrics", port: 9327, targetPort: 9327, protocol: "TCP" }],
    });
  });

  it("the prometheus.io annotations, https for CockroachDB with TLS", () => {
    expect(scrapeAnnotations(cockroach)).toEqual({
      "prometheus.io/scrape": "true",
      "prometheus.io/port": "8080",
      "prometheus.io/path": "/_status/vars",
      "prometheus.io/scheme": "https",
    });
    expect(scrapeAnnotations(master)["prometheus.io/scheme"]).toBe("http");
  });

  it("a ServiceMonitor that verifies CockroachDB's certificate with the stack's CA", () => {
    expect(serviceMonitorSpec(stack, cockroach)).toEqual({
      selector: {
        matchLabels: { "vsekai.dev/metrics-target": "cockroachdb", "app.kubernetes.io/instance": "prod" },
      },
      namespaceSelector: { matchNames: ["vsekai-prod"] },
      endpoints: [
        {
          port: "metrics",
          path: "/_status/vars",
          scheme: "https",
          tlsConfig: {
            ca: { secret: { name: "vsekai-cockroachdb-ca", key: "ca.crt" } },
            serverName: "vsekai-cockroachdb-public.vsekai-prod.svc.cluster.local",
          },
        },
      ],
    });
    expect(serviceMonitorSpec(stack, master).endpoints).toEqual([
      { port: "metrics", path: "/metrics", scheme: "http" },
    ]);
  });
});

describe("the scraper's way in", () => {
  it("reaches each target's pods from its namespace on the metrics port and nothing else", () => {
    const settings = stackSettings("prod", { monitoring: operator });
    const stack = monitoredFrom(settings);
    const plans = policiesFor([], {
      entrances: scraperEntrances(settings.monitoring, stack, scrapeTargets(stack)),
    });
    const toVolume = plans.find((p) => p.name === "allow-ingress-to-seaweedfs-volume");
    expect(toVolume?.spec.ingress).toEqual([
      {
        from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }],
        ports: [{ protocol: "TCP", port: 9327 }],
      },
    ]);
    expect(toVolume?.reasons).toEqual([
      "Prometheus in monitoring scrapes /metrics on 9327 (vsekai-seaweedfs-volume-metrics)",
    ]);
    const toDb = plans.find((p) => p.name === "allow-ingress-to-cockroachdb");
    expect(toDb?.spec.ingress).toEqual([
      {
        from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }],
        ports: [{ protocol: "TCP", port: 8080 }],
      },
    ]);
    expect(plans.filter((p) => p.name.startsWith("allow-egress"))).toEqual([]);
  });

  it("is not opened with monitoring off", () => {
    const settings = stackSettings("prod");
    const stack = monitoredFrom(settings);
    expect(scraperEntrances(settings.monitoring, stack, scrapeTargets(stack))).toEqual([]);
  });
});
