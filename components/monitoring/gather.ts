import { appNames } from "../app/names.ts";
import { CA_CERT } from "../cockroachdb/certs.ts";
import { longestCronGapMs, parseCron } from "../config/cron.ts";
import type { StackSettings } from "../config/types.ts";
import type { SeaweedfsPeers } from "../seaweedfs/index.ts";
import { serviceFqdn } from "../shared/dns.ts";
import type { Peer } from "../shared/endpoints.ts";
import type { MonitoredStack } from "./targets.ts";

/** What the CockroachDB component knows that monitoring needs: its pods and the names of its objects. */
export interface CockroachFacts {
  peer: Peer;
  statefulSet: string;
  publicService: string;
  caSecret: string;
}

/**
 * The monitoring view of a stack: counts and settings from the resolved config, pods from the
 * components (the same peers their NetworkPolicies use). CockroachDB's certificate is checked against the
 * public Service's FQDN, one of its SANs, since Prometheus dials the pod IP.
 */
export function monitoredStack(o: {
  settings: StackSettings;
  prefix: string;
  cockroach?: CockroachFacts;
  seaweedfs: SeaweedfsPeers;
  app: Peer;
}): MonitoredStack {
  const s = o.settings;
  const sql = s.sql;
  const app = s.app;
  const names = appNames(o.prefix, app.name);
  const firstPort = app.ports[0]?.port;
  const appPort = s.monitoring.app.port ?? firstPort;
  return {
    namespace: s.namespace,
    prefix: o.prefix,
    instance: s.stack,
    settings: s.monitoring,
    ...(sql.mode === "cluster" && o.cockroach
      ? {
          cockroach: {
            pods: o.cockroach.peer,
            nodes: sql.nodes,
            statefulSet: o.cockroach.statefulSet,
            ...(s.backup.enabled
              ? { backup: { maxAgeSeconds: backupMaxAgeSeconds(s.backup.schedule.incremental) } }
              : {}),
            ...(sql.tls
              ? {
                  tls: {
                    caSecretName: o.cockroach.caSecret,
                    caKey: CA_CERT,
                    serverName: serviceFqdn(o.cockroach.publicService, s.namespace, s.clusterDomain),
                    renewBeforeDays: sql.certRenewBeforeDays,
                  },
                }
              : {}),
          },
        }
      : {}),
    seaweedfs: {
      master: { pods: o.seaweedfs.master, count: s.seaweedfs.masters },
      volume: { pods: o.seaweedfs.volume, count: s.seaweedfs.volumeServers },
      filer: { pods: o.seaweedfs.filer, count: s.seaweedfs.filerReplicas },
      s3: { pods: o.seaweedfs.s3, count: s.seaweedfs.s3Replicas },
      ...(s.backup.enabled ? { backup: { pods: o.seaweedfs.backup, count: 1 } } : {}),
    },
    ...(s.monitoring.app.enabled && appPort !== undefined
      ? {
          app: {
            name: app.name,
            deployment: names.deployment,
            pods: o.app,
            port: appPort,
            path: s.monitoring.app.path,
            minReplicas: app.autoscaling?.minReplicas ?? app.replicas,
            migrationJobPrefix: names.migrateJobBase,
          },
        }
      : {}),
  };
}

/**
 * A scheduled backup is stale once the longest gap between two runs of the incremental schedule, plus an
 * hour for the run itself, has passed without one completing.
 */
export function backupMaxAgeSeconds(incrementalSchedule: string): number {
  const parsed = parseCron(incrementalSchedule);
  const gapSeconds = typeof parsed === "string" ? 24 * 3600 : longestCronGapMs(parsed) / 1000;
  return Math.round(gapSeconds) + 3600;
}

/** The CockroachDB component's facts for monitoring; its pods are always in the stack's namespace. */
export function cockroachFacts(cluster: {
  endpoint: { peer: Peer | { external: true } };
  statefulSetName: string;
  publicServiceName: string;
  names: { caSecret: string };
}): CockroachFacts {
  const peer = cluster.endpoint.peer;
  if ("external" in peer) throw new Error("a CockroachDB cluster of the stack has its pods in the namespace");
  return {
    peer,
    statefulSet: cluster.statefulSetName,
    publicService: cluster.publicServiceName,
    caSecret: cluster.names.caSecret,
  };
}
