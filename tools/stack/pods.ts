import type * as k8s from "@kubernetes/client-node";

/** Running, Ready and not on its way out: a pod that serves. Shared by the harness's fixtures and scenarios. */
export function isReady(pod: k8s.V1Pod): boolean {
  return (
    pod.metadata?.deletionTimestamp === undefined &&
    pod.status?.phase === "Running" &&
    (pod.status.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True")
  );
}
