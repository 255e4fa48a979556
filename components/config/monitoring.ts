import { z } from "zod";
import { DIST_PORT, EPMD_PORT } from "./app-ports.ts";
import { configKey, type ConfigProblem } from "./errors.ts";
import type { Environment } from "./types.ts";

// The `monitoring` setting and the app's `app.metrics`: how the stack is scraped, alerted on and shown.
// Schema and resolution live here, apart from schema.ts/resolve.ts, so the monitoring settings read as one
// piece; those files only plug them in.

export const MONITORING_MODES = ["off", "annotations", "operator"] as const;
export type MonitoringMode = (typeof MONITORING_MODES)[number];

/** Grafana's dashboard sidecar (kube-prometheus-stack, the Grafana chart) picks up ConfigMaps so labelled. */
export const DEFAULT_DASHBOARD_LABELS: Readonly<Record<string, string>> = { grafana_dashboard: "1" };
export const DEFAULT_METRICS_PATH = "/metrics";

const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "a DNS-1123 label (lowercase letters, digits and '-')")
  .max(63, "at most 63 characters");
// A Kubernetes label key: an optional DNS-subdomain prefix and '/', then a name of at most 63 characters.
const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const labelValue = z
  .string()
  .regex(
    /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/,
    "a Kubernetes label value (at most 63 letters, digits, '-', '_' or '.')",
  );
// Keys are checked here rather than by a key schema, whose failure zod reports without our wording.
const labels = z.record(z.string(), labelValue).superRefine((record, ctx) => {
  for (const key of Object.keys(record).filter((k) => !LABEL_KEY.test(k))) {
    ctx.addIssue({
      code: "custom",
      path: [key],
      input: key,
      message: "a Kubernetes label key such as release or example.com/team",
    });
  }
});
/** Prometheus' duration syntax, units largest first: 1h30m, 45s, 0s. */
const promDuration = z
  .string()
  .regex(
    /^(?=\d)([0-9]+y)?([0-9]+w)?([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?([0-9]+ms)?$/,
    "a Prometheus duration such as 30s, 1m or 1h30m",
  );

export const monitoringSchema = z
  .object({
    mode: z.enum(MONITORING_MODES),
    labels,
    scraperNamespace: dnsLabel,
    dashboards: z.object({ enabled: z.boolean(), labels, namespace: dnsLabel }).partial().strict(),
    kubeStateMetrics: z.boolean(),
    maxAlertFor: promDuration,
  })
  .partial()
  .strict();

export const appMetricsSchema = z
  .object({
    enabled: z.boolean(),
    port: z.number().int("a whole number").min(1, "at least 1").max(65535, "at most 65535"),
    path: z.string().regex(/^\/[A-Za-z0-9._~/-]*$/, "an absolute HTTP path such as /metrics"),
  })
  .partial()
  .strict();

export type MonitoringInput = z.infer<typeof monitoringSchema>;
export type AppMetricsInput = z.infer<typeof appMetricsSchema>;

export interface AppMetricsSettings {
  enabled: boolean;
  /** Undefined: the app's first port (uro's API endpoint), where the uro stand-in serves /metrics. */
  port?: number;
  path: string;
}

export interface MonitoringSettings {
  mode: MonitoringMode;
  /** Put on ServiceMonitors and PrometheusRules: what the user's Prometheus selects them by. */
  labels: Record<string, string>;
  /** Where the scraper runs; NetworkPolicies let it reach the metrics ports. Set unless mode is off. */
  scraperNamespace?: string;
  dashboards: { enabled: boolean; labels: Record<string, string>; namespace?: string };
  /** kube-state-metrics runs in the cluster: alerts on Jobs and container restarts can use it. */
  kubeStateMetrics: boolean;
  /** Dev only: every alert's `for:` is at most this, so a live test sees alerts fire quickly. */
  maxAlertFor?: string;
  app: AppMetricsSettings;
}

const key = (...path: PropertyKey[]) => configKey(["monitoring", ...path]);

/**
 * What the monitoring settings cannot be, beyond their shape: each problem names the setting, the value
 * and what is allowed. Pure, so every message is tested as written.
 */
export function monitoringProblems(
  input: MonitoringInput | undefined,
  environment: Environment,
): ConfigProblem[] {
  const m = input ?? {};
  const mode = m.mode ?? "off";
  const problems: ConfigProblem[] = [];
  if (mode === "off") {
    for (const k of [
      "labels",
      "scraperNamespace",
      "dashboards",
      "kubeStateMetrics",
      "maxAlertFor",
    ] as const) {
      if (m[k] !== undefined) {
        problems.push({
          key: key(k),
          message: `only applies when monitoring.mode is "annotations" or "operator", but the mode is "off"; remove it or pick a mode`,
        });
      }
    }
    return problems;
  }
  if (m.scraperNamespace === undefined) {
    problems.push({
      key: key("scraperNamespace"),
      message: `required when monitoring.mode is ${JSON.stringify(mode)}: the namespace your Prometheus runs in, which the NetworkPolicies then let reach the metrics ports (e.g. monitoring)`,
    });
  }
  if (mode === "annotations" && m.labels !== undefined) {
    problems.push({
      key: key("labels"),
      message: `only applies to monitoring.mode "operator" (labels its Prometheus selects ServiceMonitors and PrometheusRules by); with "annotations" Prometheus finds targets by the prometheus.io/* annotations, so remove it`,
    });
  }
  if (m.dashboards?.labels !== undefined && Object.keys(m.dashboards.labels).length === 0) {
    problems.push({
      key: key("dashboards", "labels"),
      message: `{} is not allowed: Grafana's dashboard sidecar finds the ConfigMaps by a label, so give at least one (the default is grafana_dashboard: "1"), or set monitoring.dashboards.enabled to false`,
    });
  }
  if (m.maxAlertFor !== undefined && environment !== "dev") {
    problems.push({
      key: key("maxAlertFor"),
      message: `${JSON.stringify(m.maxAlertFor)} is not allowed in a ${environment} stack: it shortens every alert's for: and would page on blips; it exists for the dev stack's live test, so remove it`,
    });
  }
  return problems;
}

/** `app.metrics`: a port the app can serve on, and one the Erlang distribution does not hold. */
export function appMetricsProblems(
  input: AppMetricsInput | undefined,
  distribution: boolean,
): ConfigProblem[] {
  const port = input?.port;
  if (port === undefined || !distribution || (port !== EPMD_PORT && port !== DIST_PORT)) return [];
  return [
    {
      key: configKey(["app", "metrics", "port"]),
      message: `${port} is not allowed: Erlang distribution uses ${EPMD_PORT} (epmd) and ${DIST_PORT}; pick the app's HTTP port or another one`,
    },
  ];
}

/** The monitoring settings with defaults applied; problems are added to `problems`. */
export function resolveMonitoring(
  input: { monitoring?: MonitoringInput; app?: { metrics?: AppMetricsInput; distribution?: boolean } },
  environment: Environment,
  problems: ConfigProblem[],
): MonitoringSettings {
  const m = input.monitoring ?? {};
  const appMetrics = input.app?.metrics;
  problems.push(
    ...monitoringProblems(input.monitoring, environment),
    ...appMetricsProblems(appMetrics, input.app?.distribution ?? true),
  );
  return {
    mode: m.mode ?? "off",
    labels: m.labels ?? {},
    scraperNamespace: m.scraperNamespace,
    dashboards: {
      enabled: m.dashboards?.enabled ?? true,
      labels: m.dashboards?.labels ?? { ...DEFAULT_DASHBOARD_LABELS },
      namespace: m.dashboards?.namespace,
    },
    kubeStateMetrics: m.kubeStateMetrics ?? false,
    maxAlertFor: m.maxAlertFor,
    app: {
      enabled: appMetrics?.enabled ?? true,
      port: appMetrics?.port,
      path: appMetrics?.path ?? DEFAULT_METRICS_PATH,
    },
  };
}
