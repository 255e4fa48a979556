import { selectorLabels, type Workload } from "../shared/labels.ts";
import { serviceFqdn } from "../shared/dns.ts";

/** Kubernetes object names of the app, deterministic so DNS names and policies can be computed. */
export interface AppNames {
  deployment: string;
  service: string;
  /** Headless Service whose A records are the pods: the Erlang cluster's peer list. */
  peersService: string;
  databaseSecret: string;
  generatedSecret: string;
  secretEnvSecret: string;
  migrateJobBase: string;
  pdb: string;
  hpa: string;
  ingress: string;
}

export function appNames(prefix: string, app: string): AppNames {
  const base = `${prefix}-${app}`;
  return {
    deployment: base,
    service: base,
    peersService: `${base}-peers`,
    databaseSecret: `${base}-database`,
    generatedSecret: `${base}-generated`,
    secretEnvSecret: `${base}-secret-env`,
    migrateJobBase: `${base}-migrate`,
    pdb: base,
    hpa: base,
    ingress: base,
  };
}

export function serverWorkload(app: string, instance: string): Workload {
  return { name: app, component: "server", instance };
}

export function migrateWorkload(app: string, instance: string): Workload {
  return { name: app, component: "migrate", instance };
}

export function serverSelector(app: string, instance: string): Record<string, string> {
  return selectorLabels(serverWorkload(app, instance));
}

/** What DNS_CLUSTER_QUERY resolves: every pod of the app, ready or not. */
export function peersQuery(names: AppNames, namespace: string, clusterDomain: string): string {
  return serviceFqdn(names.peersService, namespace, clusterDomain);
}
