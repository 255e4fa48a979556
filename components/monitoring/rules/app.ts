import { targetSelector, type AppMonitoring, type MonitoredStack, type ScrapeTarget } from "../targets.ts";
import { alertsFor, answering, errorRatio, podsCommand, type AlertDraft, type AlertRule } from "./rule.ts";

// The app's alerts, on what its /metrics serves (the uro stand-in's names; the real uro must serve the
// same for the readiness and 5xx alerts) and on `up`, which every scrape produces.

/** 1 while the replica's last /health check passed, 0 after one failed. */
export const APP_READY_METRIC = "uro_ready";
/** Requests other than probes and scrapes, by endpoint and status class ("2xx" … "5xx"). */
export const APP_REQUESTS_METRIC = "uro_http_requests_total";
/** The BEAM's start: a new value on the same target means the container restarted in place. */
export const APP_START_METRIC = "process_start_time_seconds";
export const APP_ERROR_RATIO = 0.05;
/** Restarts within an hour that mean a crash loop rather than a one-off. */
export const RESTARTS_PER_HOUR = 3;

export function appRules(stack: MonitoredStack, target: ScrapeTarget, app: AppMonitoring): AlertRule[] {
  const sel = (extra = "") => targetSelector(stack, target, extra);
  const ns = stack.namespace;
  const pods = podsCommand(stack, target);
  const drafts: AlertDraft[] = [
    {
      alert: "AppReplicaDown",
      expr: `${answering(sel())} < ${app.minReplicas}`,
      for: "5m",
      severity: "critical",
      summary: `only {{ $value }} of ${app.minReplicas} ${app.name} replica(s) in ${ns} answer on ${app.path}`,
      runbook: `${pods}; kubectl describe the missing pod (scheduling, image pull, probes) and read its logs --previous`,
    },
    {
      alert: "AppReplicaNotReady",
      expr: `${APP_READY_METRIC}${sel()} == 0`,
      for: "5m",
      severity: "warning",
      summary: `${app.name} replica {{ $labels.instance }} in ${ns} fails its health check (database or storage)`,
      runbook:
        `GET /health on that pod names the failing check; then see the CockroachDB and SeaweedFS ` +
        `alerts, and the NetworkPolicies from the app (${stack.prefix}-allow-egress-from-${app.pods.name})`,
    },
    {
      alert: "AppHttp5xxRate",
      expr: `${errorRatio(APP_REQUESTS_METRIC, sel('status_class="5xx"'), sel())} > ${APP_ERROR_RATIO}`,
      for: "10m",
      severity: "warning",
      summary: `{{ $value | humanizePercentage }} of ${app.name} requests in ${ns} answer with a 5xx`,
      runbook: `read the app logs (kubectl -n ${ns} logs deploy/${app.deployment}) for the failing requests; check its database and storage alerts`,
    },
    {
      alert: "AppRestarting",
      expr: `changes(${APP_START_METRIC}${sel()}[1h]) >= ${RESTARTS_PER_HOUR}`,
      severity: "warning",
      summary: `${app.name} replica {{ $labels.instance }} in ${ns} restarted {{ $value }} times in the last hour`,
      runbook: `kubectl -n ${ns} logs --previous of that pod shows why it exits; a failing liveness probe shows in kubectl describe`,
    },
  ];
  return alertsFor(stack, "app", drafts);
}
