import type * as k8s from "@pulumi/kubernetes";

/**
 * Prefer other nodes and other zones for replicas of one workload, without requiring it: a hard rule
 * leaves pods Pending on a small or single-zone cluster, which is worse than sharing a node.
 */
export function softSpreading(selector: Record<string, string>): {
  affinity: k8s.types.input.core.v1.Affinity;
  topologySpreadConstraints: k8s.types.input.core.v1.TopologySpreadConstraint[];
} {
  const labelSelector = { matchLabels: selector };
  return {
    affinity: {
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 100, podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector } },
        ],
      },
    },
    topologySpreadConstraints: [
      {
        maxSkew: 1,
        topologyKey: "topology.kubernetes.io/zone",
        whenUnsatisfiable: "ScheduleAnyway",
        labelSelector,
      },
    ],
  };
}
