import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Entrance } from "../networking/policies.ts";
import { workloadLabels } from "../shared/labels.ts";
import { systemDashboards } from "./dashboards/index.ts";
import { alertGroups, rulesFile } from "./rules/index.ts";
import {
  metricsServiceSelector,
  metricsServiceSpec,
  scrapeAnnotations,
  scraperEntrances,
  serviceMonitorSpec,
} from "./scrape.ts";
import { metricsServiceName, scrapeTargets, type MonitoredStack, type ScrapeTarget } from "./targets.ts";

export const PROMETHEUS_OPERATOR_API = "monitoring.coreos.com/v1";
/** The rules file's key in the ConfigMap of mode "annotations" (JSON, which Prometheus reads as YAML). */
export const RULES_FILE_KEY = "vsekai.rules.json";

export interface StackMonitoringArgs {
  /** The stack's Namespace (an Output, so objects wait for it). */
  namespace: pulumi.Input<string>;
  stack: MonitoredStack;
}

/**
 * How the stack is watched: a metrics Service per kind of server, found by Prometheus through scrape
 * annotations or a ServiceMonitor; alert rules as PrometheusRules (or, without the Operator, a rules file
 * in a ConfigMap to mount); a Grafana dashboard per system as a ConfigMap the dashboard sidecar loads.
 * Nothing is declared with monitoring.mode "off". `entrances` are the NetworkPolicy openings for the
 * scraper, which the stack hands to its NetworkPolicies.
 */
export class StackMonitoring extends pulumi.ComponentResource {
  readonly entrances: Entrance[];
  readonly targets: ScrapeTarget[];

  constructor(name: string, args: StackMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("vsekai:monitoring:StackMonitoring", name, {}, opts);
    const child = { parent: this };
    const stack = args.stack;
    const settings = stack.settings;
    this.targets = settings.mode === "off" ? [] : scrapeTargets(stack);
    this.entrances = scraperEntrances(settings, stack, this.targets);
    const labels = (component: string) =>
      workloadLabels({ name: "monitoring", component, instance: stack.instance });

    for (const target of this.targets) {
      const serviceName = metricsServiceName(stack.prefix, target);
      new k8s.core.v1.Service(
        `${name}-${target.name}-metrics`,
        {
          metadata: {
            name: serviceName,
            namespace: args.namespace,
            labels: { ...labels(`${target.name}-metrics`), ...metricsServiceSelector(stack, target) },
            ...(settings.mode === "annotations" ? { annotations: scrapeAnnotations(target) } : {}),
          },
          spec: metricsServiceSpec(target),
        },
        child,
      );
      if (settings.mode === "operator") {
        new k8s.apiextensions.CustomResource(
          `${name}-${target.name}-servicemonitor`,
          {
            apiVersion: PROMETHEUS_OPERATOR_API,
            kind: "ServiceMonitor",
            metadata: {
              name: serviceName,
              namespace: args.namespace,
              labels: { ...labels(`${target.name}-metrics`), ...settings.labels },
            },
            spec: serviceMonitorSpec(stack, target),
          },
          child,
        );
      }
    }

    if (settings.mode !== "off") {
      const groups = alertGroups(stack);
      if (settings.mode === "operator") {
        for (const { system, group } of groups) {
          new k8s.apiextensions.CustomResource(
            `${name}-${system}-rules`,
            {
              apiVersion: PROMETHEUS_OPERATOR_API,
              kind: "PrometheusRule",
              metadata: {
                name: `${stack.prefix}-${system}-alerts`,
                namespace: args.namespace,
                labels: { ...labels(`${system}-alerts`), ...settings.labels },
              },
              spec: { groups: [group] },
            },
            child,
          );
        }
      } else {
        new k8s.core.v1.ConfigMap(
          `${name}-rules`,
          {
            metadata: {
              name: `${stack.prefix}-prometheus-rules`,
              namespace: args.namespace,
              labels: labels("rules"),
            },
            data: { [RULES_FILE_KEY]: rulesFile(groups.map((g) => g.group)) },
          },
          child,
        );
      }
      if (settings.dashboards.enabled) {
        for (const { system, dashboard } of systemDashboards(stack)) {
          new k8s.core.v1.ConfigMap(
            `${name}-${system}-dashboard`,
            {
              metadata: {
                name: `${stack.prefix}-${system}-dashboard`,
                namespace: settings.dashboards.namespace ?? args.namespace,
                labels: { ...labels(`${system}-dashboard`), ...settings.dashboards.labels },
              },
              data: { [`${dashboard.uid}.json`]: JSON.stringify(dashboard, null, 2) },
            },
            child,
          );
        }
      }
    }
    this.registerOutputs({});
  }
}
