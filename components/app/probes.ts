import type * as k8s from "@pulumi/kubernetes";
import { READINESS_PERIOD_SECONDS, startupWithin } from "../shared/probing.ts";

type Probe = k8s.types.input.core.v1.Probe;

/** A BEAM release with many apps can take a minute or more to boot: five minutes before liveness counts. */
export const STARTUP_BUDGET_SECONDS = 300;

export interface AppProbes {
  readinessProbe: Probe;
  livenessProbe: Probe;
  startupProbe: Probe;
}

/**
 * Startup asks the full health path (database and storage reachable) once, so a release that cannot reach
 * them never receives traffic; readiness and liveness then ask the pod-local path. When they asked the full
 * one, the loss of the SeaweedFS raft leader made every replica unready together and requests needing only
 * SQL failed for 15-19 s with no endpoint left to serve them.
 */
export function appProbes(healthPath: string, readinessPath: string, healthPort: string): AppProbes {
  const httpGet = { path: readinessPath, port: healthPort, scheme: "HTTP" };
  const startupGet = { path: healthPath, port: healthPort, scheme: "HTTP" };
  return {
    readinessProbe: {
      httpGet,
      periodSeconds: READINESS_PERIOD_SECONDS,
      timeoutSeconds: 3,
      failureThreshold: 3,
    },
    // Liveness tolerates a longer stall than readiness: a busy node should leave the Service, not restart.
    livenessProbe: { httpGet, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 },
    startupProbe: { httpGet: startupGet, timeoutSeconds: 3, ...startupWithin(STARTUP_BUDGET_SECONDS) },
  };
}
