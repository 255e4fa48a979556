// Prometheus' HTTP API, as the live monitoring test reads it: active targets, alerting rules, active alerts.
// The address is asked for on every call (the pod's IP, which changes if Prometheus restarts).

export interface Target {
  scrapePool: string;
  health: "up" | "down" | "unknown";
  lastError: string;
  labels: Record<string, string>;
}

export interface Alert {
  labels: Record<string, string>;
  state: "pending" | "firing";
  activeAt: string;
}

export interface AlertRuleGroup {
  name: string;
  /** `duration` is the rule's for:, in seconds. */
  rules: { name: string; type: string; duration: number }[];
}

export interface PrometheusApi {
  targets: () => Promise<Target[]>;
  alertGroups: () => Promise<AlertRuleGroup[]>;
  alerts: () => Promise<Alert[]>;
}

export function prometheusApi(baseUrl: () => Promise<string>, timeoutMs = 10_000): PrometheusApi {
  const get = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${await baseUrl()}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (body.status !== "success") throw new Error(`Prometheus ${path}: ${body.error ?? response.status}`);
    return body.data;
  };
  return {
    targets: async () =>
      (await get<{ activeTargets: Target[] }>("/api/v1/targets?state=active")).activeTargets,
    alertGroups: async () => (await get<{ groups: AlertRuleGroup[] }>("/api/v1/rules?type=alert")).groups,
    alerts: async () => (await get<{ alerts: Alert[] }>("/api/v1/alerts")).alerts,
  };
}
