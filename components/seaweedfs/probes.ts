import type * as k8s from "@pulumi/kubernetes";
import { READINESS_PERIOD_SECONDS, startupWithin } from "../shared/probing.ts";

type Probe = k8s.types.input.core.v1.Probe;

// Health checks on the endpoints each SeaweedFS server really has. Readiness says "send me traffic" and
// may depend on other parts of the cluster; liveness says "restart me" and only ever checks the process
// itself, so an outage elsewhere (no raft leader, SQL down) never turns into a restart storm.

export const HTTP_PORT_NAME = "http";
export const GRPC_PORT_NAME = "grpc";
export const METRICS_PORT_NAME = "metrics";

export interface ServerProbes {
  startupProbe: Probe;
  readinessProbe: Probe;
  livenessProbe: Probe;
}

function get(path: string): Probe["httpGet"] {
  return { path, port: HTTP_PORT_NAME, scheme: "HTTP" };
}

/** Readiness on an HTTP path: out of the Service after three failed checks. */
function readiness(path: string, timeoutSeconds = 5): Probe {
  return {
    httpGet: get(path),
    periodSeconds: READINESS_PERIOD_SECONDS,
    timeoutSeconds,
    failureThreshold: 3,
  };
}

/**
 * `/cluster/status` answers whenever the HTTP server runs; `/cluster/healthz` answers 503 until this
 * master knows a raft leader (and may spend up to 5 s checking locks when it is the leader, hence the
 * timeout). Masters must run with podManagementPolicy Parallel: none is ready before a quorum is up.
 */
export function masterProbes(): ServerProbes {
  return {
    startupProbe: { httpGet: get("/cluster/status"), timeoutSeconds: 3, ...startupWithin(300) },
    readinessProbe: readiness("/cluster/healthz", 8),
    livenessProbe: {
      httpGet: get("/cluster/status"),
      periodSeconds: 15,
      timeoutSeconds: 5,
      failureThreshold: 4,
    },
  };
}

/**
 * `/healthz` fails while the server is stopping or not heartbeating to a master; `/status` is purely
 * local. A volume server loads every volume's index before it serves, which takes minutes on a full
 * disk, so startup gets up to fifteen minutes.
 */
export function volumeProbes(): ServerProbes {
  return {
    startupProbe: { httpGet: get("/status"), timeoutSeconds: 5, ...startupWithin(900) },
    readinessProbe: readiness("/healthz"),
    livenessProbe: { httpGet: get("/status"), periodSeconds: 15, timeoutSeconds: 5, failureThreshold: 4 },
  };
}

/**
 * The filer's `/healthz` reads from the SQL store: right for readiness, wrong for liveness (restarting
 * filers does not bring a database back, and crash-loop back-off would delay recovery once it is back).
 * Liveness is the HTTP port accepting connections.
 */
export function filerProbes(): ServerProbes {
  const listening: Probe["tcpSocket"] = { port: HTTP_PORT_NAME };
  return {
    startupProbe: { tcpSocket: listening, timeoutSeconds: 3, ...startupWithin(300) },
    readinessProbe: readiness("/healthz"),
    livenessProbe: { tcpSocket: listening, periodSeconds: 15, timeoutSeconds: 5, failureThreshold: 4 },
  };
}

/**
 * The gateway's `/healthz` (an alias of `/status`) needs no credentials and is local to the process. It
 * listens only once it has its configuration from a filer, which it asks without a deadline; a gateway
 * that has not listened within two minutes is restarted rather than left hanging (it holds no state).
 */
export function s3Probes(): ServerProbes {
  return {
    startupProbe: { httpGet: get("/healthz"), timeoutSeconds: 3, ...startupWithin(120) },
    readinessProbe: readiness("/healthz"),
    livenessProbe: { httpGet: get("/healthz"), periodSeconds: 15, timeoutSeconds: 5, failureThreshold: 4 },
  };
}
