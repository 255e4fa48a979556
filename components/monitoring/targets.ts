import type { MonitoringSettings } from "../config/monitoring.ts";
import type { Peer } from "../shared/endpoints.ts";

// What gets scraped: one target per kind of server, each a set of pods, a port and a path. Everything else
// (metrics Services, ServiceMonitors, NetworkPolicy entrances, alert selectors, dashboards) is derived
// from these, so the port a policy opens is the port Prometheus is told to scrape.

export type MonitoredSystem = "cockroachdb" | "seaweedfs" | "app";

/** The HTTP port of a CockroachDB node, where it serves /_status/vars. */
export const COCKROACH_METRICS_PORT = 8080;
export const COCKROACH_METRICS_PATH = "/_status/vars";
/** Every `weed` server, started with -metricsPort. */
export const SEAWEEDFS_METRICS_PORT = 9327;
export const SEAWEEDFS_METRICS_PATH = "/metrics";
/** filer.backup's agent (components/seaweedfs/backup.ts): the canary's last success and lag. */
export const BACKUP_AGENT_METRICS_PORT = 9328;

export interface TargetTls {
  /** A Secret in the stack's namespace holding the CA that signed the server's certificate. */
  caSecretName: string;
  caKey: string;
  /** A name in the server certificate, checked instead of the pod IP that is dialled. */
  serverName: string;
}

export interface ScrapeTarget {
  /** e.g. "seaweedfs-volume": the metrics Service is `<prefix>-<name>-metrics`. */
  name: string;
  system: MonitoredSystem;
  /** The part of the system, e.g. "volume"; the system's name for single-part systems. */
  component: string;
  pods: Peer;
  port: number;
  path: string;
  tls?: TargetTls;
  /** How many pods should answer when all is well: what the "down" alerts compare against. */
  expected: number;
}

export interface CockroachMonitoring {
  pods: Peer;
  nodes: number;
  /** The StatefulSet's name, for runbooks. */
  statefulSet: string;
  tls?: TargetTls & { renewBeforeDays: number };
  /** When the stack schedules backups: how old the last completed one may be before it is stale. */
  backup?: { maxAgeSeconds: number };
}

export interface CountedPods {
  pods: Peer;
  count: number;
}

export interface SeaweedfsMonitoring {
  master: CountedPods;
  volume: CountedPods;
  filer: CountedPods;
  s3: CountedPods;
  /** filer.backup's agent, when backups are on. */
  backup?: CountedPods;
}

export interface AppMonitoring {
  name: string;
  /** The Deployment's name, for runbooks. */
  deployment: string;
  pods: Peer;
  port: number;
  path: string;
  /** The fewest replicas that should run: `replicas`, or the autoscaler's minimum. */
  minReplicas: number;
  /** Migration Jobs are named `<this>-<hash>`. */
  migrationJobPrefix: string;
}

/** The facts monitoring needs about one stack, gathered from its settings and components. */
export interface MonitoredStack {
  namespace: string;
  prefix: string;
  instance: string;
  settings: MonitoringSettings;
  /** Only when CockroachDB runs in the stack (an external database is someone else's to watch). */
  cockroach?: CockroachMonitoring;
  seaweedfs: SeaweedfsMonitoring;
  /** Undefined when app.metrics.enabled is false. */
  app?: AppMonitoring;
}

export function metricsServiceName(prefix: string, target: ScrapeTarget): string {
  return `${prefix}-${target.name}-metrics`;
}

export function scrapeTargets(stack: MonitoredStack): ScrapeTarget[] {
  const targets: ScrapeTarget[] = [];
  const c = stack.cockroach;
  if (c) {
    targets.push({
      name: "cockroachdb",
      system: "cockroachdb",
      component: "cockroachdb",
      pods: c.pods,
      port: COCKROACH_METRICS_PORT,
      path: COCKROACH_METRICS_PATH,
      ...(c.tls
        ? { tls: { caSecretName: c.tls.caSecretName, caKey: c.tls.caKey, serverName: c.tls.serverName } }
        : {}),
      expected: c.nodes,
    });
  }
  for (const part of ["master", "volume", "filer", "s3"] as const) {
    const s = stack.seaweedfs[part];
    targets.push({
      name: `seaweedfs-${part}`,
      system: "seaweedfs",
      component: part,
      pods: s.pods,
      port: SEAWEEDFS_METRICS_PORT,
      path: SEAWEEDFS_METRICS_PATH,
      expected: s.count,
    });
  }
  const backup = stack.seaweedfs.backup;
  if (backup) {
    targets.push({
      name: "seaweedfs-backup",
      system: "seaweedfs",
      component: "backup",
      pods: backup.pods,
      port: BACKUP_AGENT_METRICS_PORT,
      path: SEAWEEDFS_METRICS_PATH,
      expected: backup.count,
    });
  }
  const a = stack.app;
  if (a) {
    targets.push({
      name: a.name,
      system: "app",
      component: "server",
      pods: a.pods,
      port: a.port,
      path: a.path,
      expected: a.minReplicas,
    });
  }
  return targets;
}

/** The PromQL label matchers of one target's series: its namespace and metrics Service. */
export function targetSelector(stack: MonitoredStack, target: ScrapeTarget, extra = ""): string {
  const service = metricsServiceName(stack.prefix, target);
  return `{namespace="${stack.namespace}",service="${service}"${extra ? `,${extra}` : ""}}`;
}

export function targetNamed(targets: ScrapeTarget[], name: string): ScrapeTarget {
  const found = targets.find((t) => t.name === name);
  if (!found) throw new Error(`no scrape target named ${name}`);
  return found;
}
