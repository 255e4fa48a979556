import { serviceFqdn, statefulPodFqdn } from "../shared/dns.ts";

// Names and addresses of the cluster. Every name is derived from the prefix, so DNS names, certificate
// SANs and join lists are computed from the same facts and cannot drift from the objects they point at.

export const SQL_PORT = 26257;
export const HTTP_PORT = 8080;

export interface ClusterNames {
  statefulSet: string;
  /** Headless Service that gives every pod a stable DNS name, ready or not. */
  discoveryService: string;
  /** ClusterIP Service clients connect to. */
  publicService: string;
  nodeCertsSecret: string;
  rootCertsSecret: string;
  /** Holds only `ca.crt`: safe to mount in clients. */
  caSecret: string;
  passwordsSecret: string;
  initJob: string;
  /** Decommissions the nodes a lower node count removes, before the StatefulSet shrinks (scaling.ts). */
  decommissionJob: string;
  disruptionBudget: string;
}

/** The nodes' claim template: node N's claim is `datadir-<StatefulSet>-N`. */
export const DATA_CLAIM = "datadir";

export function clusterNames(prefix: string): ClusterNames {
  const base = `${prefix}-cockroachdb`;
  return {
    statefulSet: base,
    discoveryService: base,
    publicService: `${base}-public`,
    nodeCertsSecret: `${base}-node-certs`,
    rootCertsSecret: `${base}-root-certs`,
    caSecret: `${base}-ca`,
    passwordsSecret: `${base}-passwords`,
    initJob: `${base}-init`,
    decommissionJob: `${base}-decommission`,
    disruptionBudget: base,
  };
}

export interface ClusterAddress {
  names: ClusterNames;
  namespace: string;
  clusterDomain: string;
}

export function discoveryFqdn(a: ClusterAddress): string {
  return serviceFqdn(a.names.discoveryService, a.namespace, a.clusterDomain);
}

export function publicFqdn(a: ClusterAddress): string {
  return serviceFqdn(a.names.publicService, a.namespace, a.clusterDomain);
}

export function podFqdn(a: ClusterAddress, ordinal: number): string {
  return statefulPodFqdn(
    a.names.statefulSet,
    ordinal,
    a.names.discoveryService,
    a.namespace,
    a.clusterDomain,
  );
}

/**
 * The `--join` addresses: the first three pods, or all of them when there are fewer. Listing every pod
 * would change the flags, and so restart every node, on each scale; three seeds survive the loss of any
 * one. A one-node cluster joins itself, so it starts like a larger one (see startArgs).
 */
export function joinAddresses(a: ClusterAddress, nodes: number): string[] {
  const seeds = Math.max(1, Math.min(3, nodes));
  return Array.from({ length: seeds }, (_, ordinal) => `${podFqdn(a, ordinal)}:${SQL_PORT}`);
}
