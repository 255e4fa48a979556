import type { MonitoredStack, ScrapeTarget } from "../targets.ts";

// An alert as Prometheus' rule files and the Operator's PrometheusRule spell it. Every alert carries a
// summary (what is wrong, with the numbers) and a runbook line (what to do about it), the stack's namespace
// so routing can tell stacks apart, and the system it is about.

export type Severity = "critical" | "warning";

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels: { severity: Severity; system: string; namespace: string };
  annotations: { summary: string; runbook: string };
}

export interface RuleGroup {
  name: string;
  rules: AlertRule[];
}

/** What one alert says; the labels common to a system are added by `alertsFor`. */
export interface AlertDraft {
  alert: string;
  expr: string;
  for?: string;
  severity: Severity;
  summary: string;
  runbook: string;
}

export function alertsFor(stack: MonitoredStack, system: string, drafts: AlertDraft[]): AlertRule[] {
  return drafts.map((d) => ({
    alert: d.alert,
    expr: d.expr,
    ...(d.for === undefined ? {} : { for: d.for }),
    labels: { severity: d.severity, system, namespace: stack.namespace },
    annotations: { summary: d.summary, runbook: d.runbook },
  }));
}

/** `kubectl get pods` for a target's pods, as a runbook quotes it. */
export function podsCommand(stack: MonitoredStack, target: ScrapeTarget): string {
  const selector = Object.entries(target.pods.selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
  return `kubectl -n ${stack.namespace} get pods -l ${selector}`;
}

/** How many of a target's pods answer scrapes, 0 when none does (count() of nothing is no series). */
export function answering(selector: string): string {
  return `(count(up${selector} == 1) or vector(0))`;
}

/** The share of a request counter's rate, over 5 minutes, that `errors` (a narrower selector) matches. */
export function errorRatio(counter: string, errors: string, all: string): string {
  return `sum(rate(${counter}${errors}[5m])) / sum(rate(${counter}${all}[5m]))`;
}
