// In-cluster DNS names. Peers must be addressed by fully-qualified names: CockroachDB and SeaweedFS
// advertise them to each other, and a short name resolves differently from another namespace.

export function serviceFqdn(service: string, namespace: string, clusterDomain: string): string {
  return `${service}.${namespace}.svc.${clusterDomain}`;
}

/** The stable DNS name of pod `ordinal` of a StatefulSet behind its headless `service`. */
export function statefulPodFqdn(
  statefulSet: string,
  ordinal: number,
  service: string,
  namespace: string,
  clusterDomain: string,
): string {
  return `${statefulSet}-${ordinal}.${serviceFqdn(service, namespace, clusterDomain)}`;
}
