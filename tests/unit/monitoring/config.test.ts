import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../components/config/errors.ts";
import { readRawConfig } from "../../../components/config/load.ts";
import { appMetricsProblems, monitoringProblems } from "../../../components/config/monitoring.ts";
import { resolveStackConfig } from "../../../components/config/resolve.ts";
import { APP_IMAGE, stackSettings } from "../../monitoring/fixture.ts";

function problems(environment: "dev" | "staging" | "prod", extra: Record<string, unknown>): string[] {
  try {
    resolveStackConfig({ environment, app: { image: APP_IMAGE }, ...extra }, environment);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems.map((p) => `${p.key}: ${p.message}`);
  }
  throw new Error("expected a ConfigError");
}

describe("monitoring settings", () => {
  it("default to off, with the sidecar label and the app's metrics on its first port", () => {
    expect(stackSettings("prod").monitoring).toEqual({
      mode: "off",
      labels: {},
      scraperNamespace: undefined,
      dashboards: { enabled: true, labels: { grafana_dashboard: "1" }, namespace: undefined },
      kubeStateMetrics: false,
      maxAlertFor: undefined,
      app: { enabled: true, port: undefined, path: "/metrics" },
    });
  });

  it("take every key a user sets", () => {
    const settings = stackSettings("dev", {
      monitoring: {
        mode: "operator",
        labels: { release: "kube-prometheus-stack" },
        scraperNamespace: "observability",
        dashboards: { labels: { "grafana.example.com/dashboard": "vsekai" }, namespace: "grafana" },
        kubeStateMetrics: true,
        maxAlertFor: "30s",
      },
      app: { image: APP_IMAGE, metrics: { port: 4021, path: "/internal/metrics" } },
    });
    expect(settings.monitoring).toEqual({
      mode: "operator",
      labels: { release: "kube-prometheus-stack" },
      scraperNamespace: "observability",
      dashboards: {
        enabled: true,
        labels: { "grafana.example.com/dashboard": "vsekai" },
        namespace: "grafana",
      },
      kubeStateMetrics: true,
      maxAlertFor: "30s",
      app: { enabled: true, port: 4021, path: "/internal/metrics" },
    });
  });

  it("arrive from the engine as JSON text under vsekai-infra:monitoring", () => {
    const { raw, problems: found } = readRawConfig({
      "vsekai-infra:monitoring": '{"mode":"annotations","scraperNamespace":"monitoring"}',
    });
    expect(found).toEqual([]);
    expect(raw).toEqual({ monitoring: { mode: "annotations", scraperNamespace: "monitoring" } });
  });

  it.each<[string, "dev" | "staging" | "prod", Record<string, unknown>, string[]]>([
    [
      "an unknown mode",
      "prod",
      { monitoring: { mode: "prometheus" } },
      [
        'vsekai-infra:monitoring.mode: "prometheus" is not allowed: expected one of "off", "annotations", "operator"',
      ],
    ],
    [
      "a scraping mode without the scraper's namespace",
      "prod",
      { monitoring: { mode: "operator" } },
      [
        'vsekai-infra:monitoring.scraperNamespace: required when monitoring.mode is "operator": the namespace your Prometheus runs in, which the NetworkPolicies then let reach the metrics ports (e.g. monitoring)',
      ],
    ],
    [
      "settings for a mode that is off",
      "prod",
      { monitoring: { scraperNamespace: "monitoring", kubeStateMetrics: true } },
      [
        'vsekai-infra:monitoring.scraperNamespace: only applies when monitoring.mode is "annotations" or "operator", but the mode is "off"; remove it or pick a mode',
        'vsekai-infra:monitoring.kubeStateMetrics: only applies when monitoring.mode is "annotations" or "operator", but the mode is "off"; remove it or pick a mode',
      ],
    ],
    [
      "selection labels without the Operator",
      "prod",
      { monitoring: { mode: "annotations", scraperNamespace: "monitoring", labels: { release: "prom" } } },
      [
        'vsekai-infra:monitoring.labels: only applies to monitoring.mode "operator" (labels its Prometheus selects ServiceMonitors and PrometheusRules by); with "annotations" Prometheus finds targets by the prometheus.io/* annotations, so remove it',
      ],
    ],
    [
      "shortened alert delays outside dev",
      "prod",
      { monitoring: { mode: "operator", scraperNamespace: "monitoring", maxAlertFor: "30s" } },
      [
        "vsekai-infra:monitoring.maxAlertFor: \"30s\" is not allowed in a prod stack: it shortens every alert's for: and would page on blips; it exists for the dev stack's live test, so remove it",
      ],
    ],
    [
      "a duration Prometheus would not parse",
      "dev",
      { monitoring: { mode: "operator", scraperNamespace: "monitoring", maxAlertFor: "30 seconds" } },
      [
        'vsekai-infra:monitoring.maxAlertFor: "30 seconds" is not allowed: expected a Prometheus duration such as 30s, 1m or 1h30m',
      ],
    ],
    [
      "dashboards without any label for the sidecar",
      "prod",
      { monitoring: { mode: "operator", scraperNamespace: "monitoring", dashboards: { labels: {} } } },
      [
        'vsekai-infra:monitoring.dashboards.labels: {} is not allowed: Grafana\'s dashboard sidecar finds the ConfigMaps by a label, so give at least one (the default is grafana_dashboard: "1"), or set monitoring.dashboards.enabled to false',
      ],
    ],
    [
      "a label key Kubernetes refuses",
      "prod",
      { monitoring: { mode: "operator", scraperNamespace: "monitoring", labels: { "has space": "x" } } },
      [
        'vsekai-infra:monitoring.labels.has space: "has space" is not allowed: expected a Kubernetes label key such as release or example.com/team',
      ],
    ],
    [
      "a misspelt key",
      "prod",
      { monitoring: { mode: "operator", scraperNamespce: "monitoring" } },
      [
        "vsekai-infra:monitoring.scraperNamespce: unknown setting; allowed here: mode, labels, scraperNamespace, dashboards, kubeStateMetrics, maxAlertFor",
      ],
    ],
    [
      "the app's metrics on the Erlang distribution port",
      "prod",
      { app: { image: APP_IMAGE, metrics: { port: 9100 } } },
      [
        "vsekai-infra:app.metrics.port: 9100 is not allowed: Erlang distribution uses 4369 (epmd) and 9100; pick the app's HTTP port or another one",
      ],
    ],
    [
      "a metrics path that is not absolute",
      "prod",
      { app: { image: APP_IMAGE, metrics: { path: "metrics" } } },
      [
        'vsekai-infra:app.metrics.path: "metrics" is not allowed: expected an absolute HTTP path such as /metrics',
      ],
    ],
  ])("refuses %s, naming the setting", (_name, environment, extra, expected) => {
    expect(problems(environment, extra)).toEqual(expected);
  });

  it("accepts the distribution ports for metrics when the app does not cluster", () => {
    expect(appMetricsProblems({ port: 9100 }, false)).toEqual([]);
    expect(appMetricsProblems({ port: 9100 }, true)).toHaveLength(1);
  });

  it("accepts shortened delays and a complete scraping setup in dev", () => {
    expect(
      monitoringProblems({ mode: "operator", scraperNamespace: "monitoring", maxAlertFor: "0s" }, "dev"),
    ).toEqual([]);
    expect(monitoringProblems({ mode: "annotations", scraperNamespace: "monitoring" }, "prod")).toEqual([]);
    expect(monitoringProblems(undefined, "prod")).toEqual([]);
  });
});
