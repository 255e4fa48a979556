export {
  PROMETHEUS_OPERATOR_API,
  RULES_FILE_KEY,
  StackMonitoring,
  type StackMonitoringArgs,
} from "./component.ts";
export { systemDashboards, type SystemDashboard } from "./dashboards/index.ts";
export { alertGroups, rulesFile, type AlertRule, type RuleGroup, type SystemRules } from "./rules/index.ts";
export {
  METRICS_PORT_NAME,
  METRICS_TARGET_LABEL,
  metricsServiceSpec,
  scrapeAnnotations,
  scraperEntrances,
  serviceMonitorSpec,
} from "./scrape.ts";
export {
  metricsServiceName,
  scrapeTargets,
  targetSelector,
  type AppMonitoring,
  type CockroachMonitoring,
  type MonitoredStack,
  type ScrapeTarget,
  type SeaweedfsMonitoring,
} from "./targets.ts";
export { cockroachFacts, monitoredStack, type CockroachFacts } from "./gather.ts";
