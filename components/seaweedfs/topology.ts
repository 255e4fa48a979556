import { serviceFqdn, statefulPodFqdn } from "../shared/dns.ts";

// Names, ports and addresses of the SeaweedFS cluster. Everything is derived from the prefix, so the peer
// lists, the addresses each server advertises and the Services that make them resolvable come from the
// same facts and cannot drift apart.

// SeaweedFS puts gRPC on the HTTP port + 10000 unless told otherwise; the flags say it explicitly anyway.
export const MASTER_PORT = 9333;
export const MASTER_GRPC_PORT = 19333;
export const VOLUME_PORT = 8080;
export const VOLUME_GRPC_PORT = 18080;
export const FILER_PORT = 8888;
export const FILER_GRPC_PORT = 18888;
export const S3_PORT = 8333;
/** Every `weed` server serves Prometheus metrics here when given -metricsPort. */
export const METRICS_PORT = 9327;

export interface SeaweedfsNames {
  master: string;
  /** Headless Service giving each master pod its stable name, ready or not (raft needs that). */
  masterPeersService: string;
  /** ClusterIP Service for tools (`weed shell`, the UI) that want any master. */
  masterService: string;
  volume: string;
  /** Headless Service giving each volume server its stable name; clients are sent to one exact server. */
  volumePeersService: string;
  filer: string;
  filerService: string;
  filerConfigSecret: string;
  s3: string;
  s3Service: string;
  s3IdentitiesSecret: string;
  /** Headless Service with one address per ready gateway, for the keys Job to ask each of them. */
  s3PodsService: string;
  /** S3 keys Jobs start with this; each adds a digest of the identities file it checks. */
  s3KeysJob: string;
  /** The app's S3 credentials, under the key names the app's env reads. */
  s3CredentialsSecret: string;
  bucketJob: string;
  /** The volume evacuation Jobs start with this; each adds the count it empties down to. */
  evacuateJob: string;
  /** filer.backup's Deployment and its replication.toml. */
  backup: string;
  backupConfig: string;
  /** Restore Jobs start with this; each run adds its name. */
  restoreJob: string;
}

/** The claim template of masters and volume servers: pod N's claim is `data-<StatefulSet>-N`. */
export const DATA_CLAIM = "data";

export function seaweedfsNames(prefix: string): SeaweedfsNames {
  const base = `${prefix}-seaweedfs`;
  return {
    master: `${base}-master`,
    masterPeersService: `${base}-master-peers`,
    masterService: `${base}-master`,
    volume: `${base}-volume`,
    volumePeersService: `${base}-volume-peers`,
    filer: `${base}-filer`,
    filerService: `${base}-filer`,
    filerConfigSecret: `${base}-filer-config`,
    s3: `${base}-s3`,
    s3Service: `${base}-s3`,
    s3IdentitiesSecret: `${base}-s3-identities`,
    s3PodsService: `${base}-s3-pods`,
    s3KeysJob: `${base}-s3-keys`,
    s3CredentialsSecret: `${base}-app-s3`,
    bucketJob: `${base}-bucket`,
    evacuateJob: `${base}-volume-evacuate`,
    backup: `${base}-backup`,
    backupConfig: `${base}-backup-config`,
    restoreJob: `${base}-restore`,
  };
}

export interface SeaweedfsAddress {
  names: SeaweedfsNames;
  namespace: string;
  clusterDomain: string;
}

export function masterPeersFqdn(a: SeaweedfsAddress): string {
  return serviceFqdn(a.names.masterPeersService, a.namespace, a.clusterDomain);
}

export function volumePeersFqdn(a: SeaweedfsAddress): string {
  return serviceFqdn(a.names.volumePeersService, a.namespace, a.clusterDomain);
}

export function masterPodFqdn(a: SeaweedfsAddress, ordinal: number): string {
  return statefulPodFqdn(a.names.master, ordinal, a.names.masterPeersService, a.namespace, a.clusterDomain);
}

/**
 * Every master as `fqdn:port`: the `-peers` of each master and the master list of every other server.
 * Raft in SeaweedFS needs the complete, identical member list on every master (it counts a majority from
 * it and refuses an even count), unlike CockroachDB's join seeds. A master's `-ip` must be spelled exactly
 * as its entry here, or it counts itself twice.
 */
export function masterPeers(a: SeaweedfsAddress, masters: number): string[] {
  if (!Number.isInteger(masters) || masters < 1 || masters % 2 === 0) {
    throw new Error(
      `seaweedfs.masters: ${masters} is not allowed: raft needs an odd number of masters (1, 3, 5…)`,
    );
  }
  return Array.from({ length: masters }, (_, ordinal) => `${masterPodFqdn(a, ordinal)}:${MASTER_PORT}`);
}

/** Where S3 gateways and tools reach a filer: any of them, through the ClusterIP Service. */
export function filerAddress(a: SeaweedfsAddress): string {
  return `${serviceFqdn(a.names.filerService, a.namespace, a.clusterDomain)}:${FILER_PORT}`;
}

export function s3PodsFqdn(a: SeaweedfsAddress): string {
  return serviceFqdn(a.names.s3PodsService, a.namespace, a.clusterDomain);
}

export function s3Url(a: SeaweedfsAddress): string {
  return `http://${serviceFqdn(a.names.s3Service, a.namespace, a.clusterDomain)}:${S3_PORT}`;
}
