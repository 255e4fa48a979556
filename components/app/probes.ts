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

export function appProbes(healthPath: string, healthPort: string): AppProbes {
  const httpGet = { path: healthPath, port: healthPort, scheme: "HTTP" };
  return {
    readinessProbe: {
      httpGet,
      periodSeconds: READINESS_PERIOD_SECONDS,
      timeoutSeconds: 3,
      failureThreshold: 3,
    },
    // Liveness tolerates a longer stall than readiness: a busy node should leave the Service, not restart.
    livenessProbe: { httpGet, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 },
    startupProbe: { httpGet, timeoutSeconds: 3, ...startupWithin(STARTUP_BUDGET_SECONDS) },
  };
}
