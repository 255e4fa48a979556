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
