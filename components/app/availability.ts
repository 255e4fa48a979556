import type * as k8s from "@pulumi/kubernetes";
import type { AppSettings } from "../config/types.ts";

type PdbSpec = k8s.types.input.policy.v1.PodDisruptionBudgetSpec;

/**
 * With two or more pods, one always stays up during voluntary disruptions. A single pod cannot be
 * protected without blocking node drains forever (`minAvailable: 1` of 1 never allows an eviction), so
 * then the budget allows one pod away: a dev stack takes a short outage on drain, rather than a stuck
 * cluster upgrade. With autoscaling the floor is `minReplicas`: an HPA allowed to shrink to one pod
 * would otherwise turn the budget into that same drain blocker.
 */
export function disruptionBudget(settings: AppSettings, selector: Record<string, string>): PdbSpec {
  const floor = settings.autoscaling?.minReplicas ?? settings.replicas;
  return floor > 1
    ? { minAvailable: 1, selector: { matchLabels: selector } }
    : { maxUnavailable: 1, selector: { matchLabels: selector } };
}
