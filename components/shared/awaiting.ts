/**
 * The Kubernetes provider's annotation that makes `up` take a resource as done once the API accepts it.
 *
 * Every ClusterIP Service in front of a workload carries it: the provider's Service await waits for ready
 * endpoints and then for ten quiet seconds after each endpoint change. That proves nothing the workload's
 * own await has not, holds one of the engine's few parallel workers (CPUs × 4) while it waits, and delays
 * everything that depends on the Service. LoadBalancer Services do not carry it: there the await is what
 * reports the allocated address.
 */
export const SKIP_AWAIT = { "pulumi.com/skipAwait": "true" } as const;

/** The provider's annotation that replaces its built-in await with conditions the stack states. */
export const WAIT_FOR_ANNOTATION = "pulumi.com/waitFor";

/**
 * The conditions under which a StatefulSet's rollout of `replicas` pods is complete: every pod on the
 * current template, ready, and none left over. The provider's own StatefulSet await does not compare
 * `status.observedGeneration` with the object's generation, so right after an update it reads the old
 * status (revisions equal, every replica ready) and reports the update done before the controller has
 * seen it: the masters' roll took 80 s while `up` had moved on after 0.5 s. Its JSONPath conditions do
 * wait for observedGeneration to catch up first, and until then updatedReplicas still counts the old
 * template, so these hold only once the controller has rolled every pod.
 */
export function statefulSetRolledOut(replicas: number): Record<string, string> {
  // At 0 the status leaves updatedReplicas and readyReplicas out, so the conditions could never hold.
  if (!Number.isInteger(replicas) || replicas < 1) {
    throw new Error(`a StatefulSet's replica count must be a whole number from 1, not ${replicas}`);
  }
  const equal = (field: string) => `jsonpath={.status.${field}}=${replicas}`;
  return {
    [WAIT_FOR_ANNOTATION]: JSON.stringify([
      equal("replicas"),
      equal("updatedReplicas"),
      equal("readyReplicas"),
    ]),
  };
}
