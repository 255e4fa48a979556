import { S3_CONFIG_DIR, S3_CONFIG_FILE } from "./identities.ts";
import {
  FILER_GRPC_PORT,
  FILER_PORT,
  MASTER_GRPC_PORT,
  MASTER_PORT,
  METRICS_PORT,
  S3_PORT,
  VOLUME_GRPC_PORT,
  VOLUME_PORT,
} from "./topology.ts";

// The command lines of the four servers. The container runs `weed` itself rather than the image's
// entrypoint script, which adds flags of its own (-volumeSizeLimitMB=1024, -max=0) that would contradict
// ours. Pod names and IPs arrive through the downward API and Kubernetes' `$(VAR)` expansion, so the
// args are exactly what the spec shows, with no shell in between.

export const WEED_BINARY = "/usr/bin/weed";
/** Our own tools in the image (tools/images/backup-tools): the backup agent, restore, the S3 keys' tools. */
export const TOOLS_BINARY = "/usr/bin/vsekai-backup";
/** Data directory of masters and volume servers: the PVC. */
export const DATA_DIR = "/data";
export const POD_NAME_ENV = "POD_NAME";
export const POD_IP_ENV = "POD_IP";

/** Logs to stderr (for `kubectl logs`) instead of files in the temp directory. */
const GLOBAL_FLAGS = ["-logtostderr=true"];

/** How long a raft follower waits (1x to 2x this) without a heartbeat before it stands for leader. */
export const MASTER_ELECTION_TIMEOUT = "3s";

export interface MasterOptions {
  /** Every master as fqdn:port (masterPeers). */
  peers: string[];
  /** The masters' headless Service FQDN; the pod's own name is prefixed to it. */
  peersFqdn: string;
  volumeSizeLimitMB: number;
  replication: string;
}

/**
 * `-ip` is the pod's FQDN, spelled exactly as in `-peers`, so the master finds itself in the list; it
 * binds to all interfaces, because the FQDN may not resolve yet when the process starts. Metadata (the
 * raft log and the max file id) lives on the PVC. Telemetry is switched off: newer releases send cluster
 * statistics to seaweedfs.com by default, which a cluster behind default-deny egress cannot reach anyway.
 *
 * A follower calls an election after a random wait between one and two election timeouts without a
 * heartbeat (seaweedfs/raft's afterBetween). At weed's default of 10 s a deleted leader was replaced only
 * after 15.8-19.0 s here, past the 10 s target; at 3 s the wait is 3-6 s, still ten heartbeats (300 ms)
 * before a healthy leader could be suspected, so a busy node does not set off elections.
 */
export function masterArgs(o: MasterOptions): string[] {
  if (o.peers.length === 0) throw new Error("a SeaweedFS master needs its peer list");
  return [
    ...GLOBAL_FLAGS,
    "master",
    `-port=${MASTER_PORT}`,
    `-port.grpc=${MASTER_GRPC_PORT}`,
    `-ip=$(${POD_NAME_ENV}).${o.peersFqdn}`,
    "-ip.bind=0.0.0.0",
    `-mdir=${DATA_DIR}`,
    `-peers=${o.peers.join(",")}`,
    `-volumeSizeLimitMB=${o.volumeSizeLimitMB}`,
    `-defaultReplication=${o.replication}`,
    `-electionTimeout=${MASTER_ELECTION_TIMEOUT}`,
    `-metricsPort=${METRICS_PORT}`,
    "-telemetry=false",
  ];
}

export interface VolumeOptions {
  masters: string[];
  /** The volume servers' headless Service FQDN. */
  peersFqdn: string;
  maxVolumes: number;
}

/**
 * A volume server advertises its pod FQDN: the master hands that address to clients, which must reach
 * this exact server (a load-balanced Service would send them to one without the file). `-mserver` is the
 * spelling every release accepts (later ones also take `-master`).
 */
export function volumeArgs(o: VolumeOptions): string[] {
  if (o.masters.length === 0) throw new Error("a SeaweedFS volume server needs the master list");
  if (!Number.isInteger(o.maxVolumes) || o.maxVolumes < 1) {
    throw new Error(`seaweedfs.maxVolumes: ${o.maxVolumes} is not allowed: at least 1`);
  }
  return [
    ...GLOBAL_FLAGS,
    "volume",
    `-port=${VOLUME_PORT}`,
    `-port.grpc=${VOLUME_GRPC_PORT}`,
    `-ip=$(${POD_NAME_ENV}).${o.peersFqdn}`,
    "-ip.bind=0.0.0.0",
    `-dir=${DATA_DIR}`,
    `-max=${o.maxVolumes}`,
    `-mserver=${o.masters.join(",")}`,
    // Stop heartbeating this long before exiting, so the master stops sending writes here first.
    "-preStopSeconds=10",
    `-metricsPort=${METRICS_PORT}`,
  ];
}

/**
 * Filers are interchangeable (their state is in SQL), so they run as a Deployment and advertise their pod
 * IP. The store comes from filer.toml, mounted from a Secret where the filer looks for it.
 */
export function filerArgs(masters: string[]): string[] {
  if (masters.length === 0) throw new Error("a SeaweedFS filer needs the master list");
  return [
    ...GLOBAL_FLAGS,
    "filer",
    `-port=${FILER_PORT}`,
    `-port.grpc=${FILER_GRPC_PORT}`,
    `-ip=$(${POD_IP_ENV})`,
    "-ip.bind=0.0.0.0",
    `-master=${masters.join(",")}`,
    `-metricsPort=${METRICS_PORT}`,
  ];
}

/** The S3 gateway reaches any filer through its Service (gRPC on the filer port + 10000). */
export function s3Args(filer: string): string[] {
  return [
    ...GLOBAL_FLAGS,
    "s3",
    `-port=${S3_PORT}`,
    `-filer=${filer}`,
    `-config=${S3_CONFIG_DIR}/${S3_CONFIG_FILE}`,
    `-metricsPort=${METRICS_PORT}`,
  ];
}
