import type { BackupTarget } from "../config/backup.ts";
import { BACKUP_TARGET_PEER, backupTargetPort } from "../shared/backup-target.ts";
import type { Flow, Peer, SqlEndpoint } from "../shared/endpoints.ts";
import {
  FILER_GRPC_PORT,
  FILER_PORT,
  MASTER_GRPC_PORT,
  MASTER_PORT,
  VOLUME_GRPC_PORT,
  S3_PORT,
  VOLUME_PORT,
} from "./topology.ts";

/** The pods of each part, by the labels NetworkPolicies select on. */
export interface SeaweedfsPeers {
  master: Peer;
  volume: Peer;
  filer: Peer;
  s3: Peer;
  bucketJob: Peer;
  evacuateJob: Peer;
  s3KeysJob: Peer;
  backup: Peer;
  restore: Peer;
}

function backupFlows(peers: SeaweedfsPeers, backup: { target: BackupTarget; restore: boolean }): Flow[] {
  const target = backupTargetPort(backup.target);
  const flows: Flow[] = [
    {
      from: peers.backup,
      to: peers.filer,
      ports: [FILER_PORT, FILER_GRPC_PORT],
      reason: "filer.backup follows the filers' metadata log and keeps its checkpoint in their store",
    },
    {
      from: peers.backup,
      to: peers.volume,
      ports: [VOLUME_PORT],
      reason: "filer.backup reads file chunks from the volume servers",
    },
    {
      from: peers.backup,
      to: BACKUP_TARGET_PEER,
      ports: [target],
      reason: "filer.backup writes to the backup target",
    },
  ];
  if (!backup.restore) return flows;
  return [
    ...flows,
    {
      from: peers.restore,
      to: BACKUP_TARGET_PEER,
      ports: [target],
      reason: "the restore Job reads the backup from the target",
    },
    {
      from: peers.restore,
      to: peers.s3,
      ports: [S3_PORT],
      reason: "the restore Job writes the objects back through the S3 gateway",
    },
  ];
}

/**
 * Who talks to whom, for the NetworkPolicies. gRPC sits on each HTTP port + 10000. The app's own flow to
 * the gateway is declared by the app component.
 */
export function seaweedfsFlows(
  peers: SeaweedfsPeers,
  sql: SqlEndpoint,
  backup?: { target: BackupTarget; restore: boolean },
): Flow[] {
  const master = [MASTER_PORT, MASTER_GRPC_PORT];
  const volume = [VOLUME_PORT, VOLUME_GRPC_PORT];
  const filer = [FILER_PORT, FILER_GRPC_PORT];
  // Self-flows are declared at every size: a one-replica part still dials its own address (a lone master
  // is its own raft peer), and scaling up then needs no new policy before the new pods can talk.
  return [
    {
      from: peers.master,
      to: peers.master,
      ports: master,
      reason: "masters elect a leader and replicate the raft log; followers forward to the leader",
    },
    {
      from: peers.volume,
      to: peers.volume,
      ports: volume,
      reason: "volume servers write replicas to each other and copy volumes when repairing or balancing",
    },
    {
      from: peers.filer,
      to: peers.filer,
      ports: [FILER_GRPC_PORT],
      reason: "filers follow each other's metadata changes to keep their caches current",
    },
    {
      from: peers.volume,
      to: peers.master,
      ports: master,
      reason: "volume servers heartbeat their volumes to the master leader",
    },
    {
      from: peers.master,
      to: peers.volume,
      ports: volume,
      reason: "the master leader creates, vacuums and checks volumes on volume servers",
    },
    {
      from: peers.filer,
      to: peers.master,
      ports: master,
      reason: "filers ask the master where to write and where volumes live",
    },
    {
      from: peers.filer,
      to: peers.volume,
      ports: volume,
      reason: "filers read and write file chunks on volume servers",
    },
    { from: peers.filer, to: sql.peer, ports: [sql.port], reason: "filers keep their metadata in SQL" },
    {
      from: peers.s3,
      to: peers.filer,
      ports: filer,
      reason: "the S3 gateway looks up and records objects through the filers",
    },
    {
      from: peers.s3,
      to: peers.volume,
      ports: [VOLUME_PORT],
      reason: "the S3 gateway streams object data to and from volume servers over HTTP",
    },
    {
      from: peers.bucketJob,
      to: peers.master,
      ports: [MASTER_GRPC_PORT],
      reason: "the bucket Job's weed shell connects to the master over gRPC",
    },
    {
      from: peers.bucketJob,
      to: peers.filer,
      ports: [FILER_GRPC_PORT],
      reason: "the bucket Job creates and lists the bucket through a filer over gRPC",
    },
    {
      from: peers.evacuateJob,
      to: peers.master,
      ports: [MASTER_GRPC_PORT],
      reason: "the evacuation Job's weed shell lists volumes and takes the cluster lock through the master",
    },
    {
      from: peers.evacuateJob,
      to: peers.volume,
      ports: [VOLUME_GRPC_PORT],
      reason: "the evacuation Job tells volume servers to copy, drop and leave, over gRPC",
    },
    {
      from: peers.s3KeysJob,
      to: peers.s3,
      ports: [S3_PORT],
      reason: "the S3 keys Job signs a request with every key to every gateway before the app gets new keys",
    },
    ...(backup === undefined ? [] : backupFlows(peers, backup)),
  ];
}
