import { cappedFor } from "../duration.ts";
import { scrapeTargets, targetNamed, type MonitoredStack } from "../targets.ts";
import { appRules } from "./app.ts";
import { cockroachRules } from "./cockroachdb.ts";
import { kubeStateRules } from "./kube-state.ts";
import type { AlertRule, RuleGroup } from "./rule.ts";
import { seaweedfsRules } from "./seaweedfs.ts";

export type { AlertRule, RuleGroup, Severity } from "./rule.ts";

/**
 * Every alert of the stack, one group per system (named after the stack's namespace, so several stacks'
 * groups can share one Prometheus). With monitoring.maxAlertFor (dev) every `for:` is capped.
 */
export interface SystemRules {
  system: "cockroachdb" | "seaweedfs" | "app" | "kubernetes";
  group: RuleGroup;
}

export function alertGroups(stack: MonitoredStack): SystemRules[] {
  const targets = scrapeTargets(stack);
  const groups: { system: SystemRules["system"]; rules: AlertRule[] }[] = [];
  if (stack.cockroach) {
    groups.push({
      system: "cockroachdb",
      rules: cockroachRules(stack, targetNamed(targets, "cockroachdb"), stack.cockroach),
    });
  }
  groups.push({
    system: "seaweedfs",
    rules: seaweedfsRules(stack, {
      master: targetNamed(targets, "seaweedfs-master"),
      volume: targetNamed(targets, "seaweedfs-volume"),
      filer: targetNamed(targets, "seaweedfs-filer"),
      s3: targetNamed(targets, "seaweedfs-s3"),
      ...(stack.seaweedfs.backup ? { backup: targetNamed(targets, "seaweedfs-backup") } : {}),
    }),
  });
  if (stack.app) {
    groups.push({ system: "app", rules: appRules(stack, targetNamed(targets, stack.app.name), stack.app) });
  }
  if (stack.settings.kubeStateMetrics) {
    groups.push({ system: "kubernetes", rules: kubeStateRules(stack, stack.app) });
  }
  const max = stack.settings.maxAlertFor;
  return groups.map((g) => ({
    system: g.system,
    group: {
      name: `${stack.namespace}.${g.system}`,
      rules: g.rules.map((r) => {
        const capped = cappedFor(r.for, max);
        return {
          alert: r.alert,
          expr: r.expr,
          ...(capped === undefined ? {} : { for: capped }),
          labels: r.labels,
          annotations: r.annotations,
        };
      }),
    },
  }));
}

/**
 * A Prometheus rule file (`rule_files:`, `promtool check rules`). JSON, which is YAML, so the file is
 * exactly the data and needs no YAML library at run time.
 */
export function rulesFile(groups: RuleGroup[]): string {
  return JSON.stringify({ groups }, null, 2) + "\n";
}
