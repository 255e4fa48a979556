import type * as k8s from "@pulumi/kubernetes";
import { READINESS_PERIOD_SECONDS, startupWithin } from "../shared/probing.ts";
import { COCKROACH_BINARY, securityFlag } from "./paths.ts";

type Probe = k8s.types.input.core.v1.Probe;

export const HTTP_PORT_NAME = "http";
/** 26257 carries both node-to-node gRPC and client SQL. */
export const SQL_PORT_NAME = "sql";

export interface NodeProbes {
  startupProbe: Probe;
  readinessProbe: Probe;
  livenessProbe: Probe;
}

function healthCheck(path: string, tls: boolean): Probe["httpGet"] {
  // The kubelet does not verify certificates, so HTTPS needs no CA here.
  return { path, port: HTTP_PORT_NAME, scheme: tls ? "HTTPS" : "HTTP" };
}

/**
 * `/health` answers as soon as the process serves HTTP, before the cluster is initialised: it is the
 * liveness and startup check. `/health?ready=1` also requires the node to be live in the cluster and not
 * draining: it gates traffic. Startup gets ten minutes, for a node replaying a large store after a crash.
 */
export function nodeProbes(tls: boolean): NodeProbes {
  return {
    startupProbe: { httpGet: healthCheck("/health", tls), timeoutSeconds: 5, ...startupWithin(600) },
    readinessProbe: {
      httpGet: healthCheck("/health?ready=1", tls),
      periodSeconds: READINESS_PERIOD_SECONDS,
      timeoutSeconds: 5,
      failureThreshold: 2,
    },
    livenessProbe: {
      httpGet: healthCheck("/health", tls),
      periodSeconds: 10,
      timeoutSeconds: 5,
      failureThreshold: 6,
    },
  };
}

/**
 * Before the pod stops, the node hands its leases to others and lets SQL sessions finish, so clients see
 * no errors from a rolling restart. `--self` drains the node this runs on; the certs dir holds the root
 * client certificate it authenticates with. The wait is bounded, and the pod's grace period covers it and
 * the replication wait before it (stopping.ts), so the drain ends before the kubelet kills the pod.
 */
export function drainCommand(tls: boolean): string[] {
  return [
    COCKROACH_BINARY,
    "node",
    "drain",
    "--self",
    securityFlag(tls),
    "--host=localhost",
    "--drain-wait=240s",
  ];
}
