import type * as k8s from "@pulumi/kubernetes";
import { effectiveCpuLimit } from "../config/kubernetes-limits.ts";
import type { Resources } from "../config/types.ts";

/**
 * Requests and limits for a container. Memory request equals the limit, so a pod is never OOM-killed for
 * using what it asked for and the databases can size their caches from it. CPU gets headroom above the
 * request (twice it, unless `cpuLimit` says otherwise): a hard limit at the request throttles servers at
 * exactly the moment they get busy.
 */
export function containerResources(r: Resources): k8s.types.input.core.v1.ResourceRequirements {
  return {
    requests: { cpu: r.cpu, memory: r.memory },
    limits: { cpu: effectiveCpuLimit(r), memory: r.memory },
  };
}
