import type { AppMonitoring, MonitoredStack } from "../targets.ts";
import { RESTARTS_PER_HOUR } from "./app.ts";
import { alertsFor, type AlertDraft, type AlertRule } from "./rule.ts";

// Alerts on what only the Kubernetes API knows (Job outcomes, container restarts of every pod), read from
// kube-state-metrics. Emitted only with monitoring.kubeStateMetrics: without it they could never fire.
// Its series must keep their own namespace label (honorLabels, as kube-prometheus-stack scrapes it).

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\\\$&");
}

export function kubeStateRules(stack: MonitoredStack, app: AppMonitoring | undefined): AlertRule[] {
  const ns = stack.namespace;
  const drafts: AlertDraft[] = [
    {
      alert: "StackContainerRestarting",
      expr: `increase(kube_pod_container_status_restarts_total{namespace="${ns}"}[1h]) >= ${RESTARTS_PER_HOUR}`,
      severity: "warning",
      summary: `container {{ $labels.container }} of {{ $labels.pod }} in ${ns} restarted {{ $value | printf "%.0f" }} times in the last hour`,
      runbook: `kubectl -n ${ns} logs --previous {{ $labels.pod }} -c {{ $labels.container }} shows why it exits; kubectl describe shows probe failures and OOM kills`,
    },
  ];
  if (app) {
    drafts.push({
      alert: "AppMigrationFailed",
      expr: `kube_job_failed{namespace="${ns}",job_name=~"${escapeRegex(app.migrationJobPrefix)}-.+",condition="true"} == 1`,
      severity: "critical",
      summary: `the ${app.name} migration Job {{ $labels.job_name }} in ${ns} failed: the new version is not rolled out`,
      runbook:
        `kubectl -n ${ns} logs job/{{ $labels.job_name }} (kept a day) says why; fix the migration or the ` +
        `database, then pulumi up, which runs it again; the old version keeps serving meanwhile`,
    });
  }
  return alertsFor(stack, "kubernetes", drafts);
}
