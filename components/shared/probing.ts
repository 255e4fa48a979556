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
