/**
 * Probe timing shared by every server in the stack. Each readiness period is latency added to every step
 * that waits on a pod (a rollout, a dependent's start, `up` itself), and a startup probe that fires rarely
 * delays the first readiness check by up to a whole period; the checks themselves are cheap local HTTP
 * or TCP calls. So starting containers are checked every two seconds, and readiness every five.
 */
export const READINESS_PERIOD_SECONDS = 5;
const STARTUP_PERIOD_SECONDS = 2;

/** Startup probe timing that allows `budgetSeconds` for the process to come up before it is restarted. */
export function startupWithin(budgetSeconds: number): { periodSeconds: number; failureThreshold: number } {
  return {
    periodSeconds: STARTUP_PERIOD_SECONDS,
    failureThreshold: Math.ceil(budgetSeconds / STARTUP_PERIOD_SECONDS),
  };
}

/**
 * How long a stopping pod of a Service keeps serving before it is told to stop. Deleting a pod removes it
 * from the Service's endpoints and sends SIGTERM at the same moment; kube-proxy on every node and the
 * ingress controller take a moment to drop it, and a server that stops listening at once refuses the
 * requests still routed to it in that window. Five seconds covers kube-proxy's sync and Traefik's endpoint
 * watch here with room to spare.
 */
export const ENDPOINT_DRAIN_SECONDS = 5;

/**
 * A preStop that only waits (the kubelet's own sleep action: no shell or binary needed in the image), so
 * the pod leaves every endpoint list before its process gets SIGTERM. The grace period must cover it.
 */
export function leaveEndpointsFirst(): { preStop: { sleep: { seconds: number } } } {
  return { preStop: { sleep: { seconds: ENDPOINT_DRAIN_SECONDS } } };
}
