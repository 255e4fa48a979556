import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { BackupTarget } from "../config/backup.ts";
import type { SeaweedfsSettings } from "../config/types.ts";
import type { Flow, Peer, S3Endpoint, SqlEndpoint } from "../shared/endpoints.ts";
import { imageVersion, selectorLabels, type Workload } from "../shared/labels.ts";
import type { Placement } from "../shared/placement.ts";
import { declareFilerBackup } from "./backup.ts";
import { declareBucketJob } from "./bucket-job.ts";
import { declareEvacuateJob } from "./evacuate-job.ts";
import { bucketNameProblem } from "../config/bucket-name.ts";
import { declareFilers } from "./filer.ts";
import { seaweedfsFlows, type SeaweedfsPeers } from "./flows.ts";
import { declareMasters } from "./master.ts";
import { replicationProblem } from "../config/seaweedfs-replication.ts";
import { declareRestoreJob, type RestoreRequest } from "./restore.ts";
import { declareS3Gateway } from "./s3.ts";
import { S3_PORT, masterPeers, s3Url, seaweedfsNames, type SeaweedfsNames } from "./topology.ts";
import { declareVolumeServers } from "./volume.ts";
import type { Part, SeaweedfsScope } from "./workloads.ts";

export interface SeaweedfsClusterArgs extends Placement {
  settings: SeaweedfsSettings;
  /** The filer's metadata store. */
  sql: SqlEndpoint;
  /** Protect the masters' and volume servers' StatefulSets (see shared/protection.ts). */
  protectData: boolean;
  /** Continuous backup of every bucket to this target (backup.ts), and a restore when one is asked for. */
  backup?: {
    target: BackupTarget;
    /** A Secret in the namespace with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for the target. */
    credentialsSecretName: pulumi.Input<string>;
    restore?: RestoreRequest;
  };
}

/**
 * SeaweedFS does not care which region a request is signed for; SDKs need one to sign at all, and
 * us-east-1 is the one every SDK treats as the default.
 */
export const S3_REGION = "us-east-1";

/** Throws, naming the setting, for what no SeaweedFS cluster could run with. */
function checkSettings(s: SeaweedfsSettings): void {
  const replication = replicationProblem(s.replication, s.volumeServers);
  if (replication) throw new Error(`seaweedfs.replication: ${replication}`);
  if (!Number.isInteger(s.masters) || s.masters < 1 || s.masters % 2 === 0) {
    throw new Error(
      `seaweedfs.masters: ${s.masters} is not allowed: raft needs an odd number of masters (1, 3, 5…)`,
    );
  }
  const bucket = bucketNameProblem(s.bucket);
  if (bucket) throw new Error(`seaweedfs.bucket: ${bucket}`);
}

/**
 * A SeaweedFS cluster: raft masters and volume servers as StatefulSets with a PVC per pod (master.ts,
 * volume.ts), stateless filers whose metadata lives in the stack's SQL database (filer.ts), an S3 gateway
 * that only the app's identity may use, scoped to the app's bucket (s3.ts), and a Job that makes that
 * bucket (bucket-job.ts). Every object is this component's child, whichever file declares it.
 *
 * Nothing here needs an init step that could deadlock with Pulumi's await: masters elect a leader on
 * their own once a quorum runs (they start in parallel), volume servers become ready once they heartbeat
 * to it, filers once SQL answers. So every workload is awaited normally.
 *
 * Start order: everything that dials the masters by pod name (volume servers, filers, the bucket Job) is
 * created once the masters are ready. A pod name resolves only once its pod has
 * an address, and CoreDNS as kubeadm sets it up (`ttl 30`, `cache 30`) remembers a "no such host" for 30
 * seconds, for every pod asking: starting together cost every dependent half a minute, waiting costs the
 * masters' few seconds of start-up. Gateways start once a filer is ready (see s3.ts); nothing else waits.
 * The app reaches S3 by its Service name, which exists from the start, and retries until it answers.
 */
export class SeaweedfsCluster extends pulumi.ComponentResource {
  readonly s3: S3Endpoint;
  readonly flows: Flow[];
  readonly names: SeaweedfsNames;
  readonly peers: SeaweedfsPeers;
  /** Every master as fqdn:port, as all servers are given it. */
  readonly masterAddresses: string[];
  readonly bucketJob: k8s.batch.v1.Job;

  constructor(name: string, args: SeaweedfsClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    // Refused before anything is registered, so a bad setting leaves no half-declared component behind.
    checkSettings(args.settings);
    super("vsekai:seaweedfs:SeaweedfsCluster", name, {}, opts);
    const s = args.settings;

    const names = seaweedfsNames(args.prefix);
    const address = { names, namespace: args.namespaceName, clusterDomain: args.clusterDomain };
    const workload = (component: string): Workload => ({
      name: "seaweedfs",
      component,
      instance: args.instance,
    });
    const workloads: Record<Part, Workload> = {
      master: workload("master"),
      volume: workload("volume"),
      filer: workload("filer"),
      s3: workload("s3"),
      bucketJob: workload("bucket"),
      evacuateJob: workload("evacuate"),
      s3KeysJob: workload("s3-keys"),
      backup: workload("backup"),
      restore: workload("restore"),
    };
    const peer = (part: Part): Peer => ({
      name: `seaweedfs-${workloads[part].component}`,
      selector: selectorLabels(workloads[part]),
    });
    const peers: SeaweedfsPeers = {
      master: peer("master"),
      volume: peer("volume"),
      filer: peer("filer"),
      s3: peer("s3"),
      bucketJob: peer("bucketJob"),
      evacuateJob: peer("evacuateJob"),
      s3KeysJob: peer("s3KeysJob"),
      backup: peer("backup"),
      restore: peer("restore"),
    };
    const scope: SeaweedfsScope = {
      name,
      parent: this,
      settings: s,
      placement: args,
      names,
      address,
      masters: masterPeers(address, s.masters),
      workloads,
      version: imageVersion(s.image),
      protectData: args.protectData,
    };

    const masterSet = declareMasters(scope);
    declareVolumeServers(scope, masterSet, declareEvacuateJob(scope, masterSet));
    const filers = declareFilers(scope, args.sql, masterSet);
    const gateway = declareS3Gateway(scope, filers);
    this.bucketJob = declareBucketJob(scope, masterSet);
    const backup = args.backup;
    if (backup !== undefined) {
      declareFilerBackup(scope, backup.target, backup.credentialsSecretName, filers);
      if (backup.restore !== undefined) {
        declareRestoreJob(
          scope,
          {
            request: backup.restore,
            target: backup.target,
            backupCredentialsSecret: backup.credentialsSecretName,
            s3Url: s3Url(address),
          },
          [gateway.gateways, gateway.credentials, this.bucketJob],
        );
      }
    }

    this.names = names;
    this.peers = peers;
    this.masterAddresses = scope.masters;
    this.s3 = {
      url: pulumi.output(s3Url(address)),
      port: S3_PORT,
      bucket: s.bucket,
      region: S3_REGION,
      credentialsSecretName: gateway.credentials.metadata.name,
      accessKeyId: gateway.accessKeyId,
      secretAccessKey: gateway.secretAccessKey,
      peer: peers.s3,
      ready: [gateway.gateways, this.bucketJob, gateway.credentials],
      secrets: [gateway.credentials],
    };
    this.flows = seaweedfsFlows(
      peers,
      args.sql,
      backup && { target: backup.target, restore: !!backup.restore },
    );
    this.registerOutputs({ s3Url: this.s3.url });
  }
}
