import { createHash } from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Resources, SeaweedfsSettings, Storage } from "../config/types.ts";
import { GeneratedSecret } from "../secrets/index.ts";
import {
  S3_ACCESS_KEY_ID_KEY,
  S3_SECRET_ACCESS_KEY_KEY,
  type Flow,
  type Peer,
  type S3Endpoint,
  type SqlEndpoint,
} from "../shared/endpoints.ts";
import type { Placement } from "../shared/placement.ts";
import { imageVersion, selectorLabels, workloadLabels, type Workload } from "../shared/labels.ts";
import { containerResources } from "../shared/resources.ts";
import { restrictedContainerSecurity, restrictedPodSecurity } from "../shared/security.ts";
import { softSpreading } from "../shared/spreading.ts";
import { DATA_DIR, WEED_BINARY, filerArgs, masterArgs, s3Args, volumeArgs } from "./args.ts";
import { bucketJobScript, bucketNameProblem } from "./bucket.ts";
import { FILER_CONFIG_DIR, FILER_CONFIG_FILE, SQL_CA_DIR, SQL_CA_FILE, filerToml } from "./filer-config.ts";
import { S3_CONFIG_DIR, S3_CONFIG_FILE, s3IdentitiesJson } from "./identities.ts";
import {
  HOME,
  POD_IP,
  POD_NAME,
  TMP_DIR,
  TMP_MOUNT,
  TMP_VOLUME,
  UID,
  serverPorts,
  servicePorts,
} from "./pod.ts";
import { filerProbes, masterProbes, s3Probes, volumeProbes, type ServerProbes } from "./probes.ts";
import { replicationProblem } from "./replication.ts";
import {
  FILER_GRPC_PORT,
  FILER_PORT,
  MASTER_GRPC_PORT,
  MASTER_PORT,
  S3_PORT,
  VOLUME_GRPC_PORT,
  VOLUME_PORT,
  filerAddress,
  masterPeers,
  masterPeersFqdn,
  s3Url,
  seaweedfsNames,
  volumePeersFqdn,
  type SeaweedfsNames,
} from "./topology.ts";
import { SKIP_AWAIT } from "../shared/awaiting.ts";

type Container = k8s.types.input.core.v1.Container;
type PodSpec = k8s.types.input.core.v1.PodSpec;
type Volume = k8s.types.input.core.v1.Volume;
type VolumeMount = k8s.types.input.core.v1.VolumeMount;

/** What differs between the master and the volume server StatefulSets. */
interface StatefulPart {
  objectName: string;
  peersService: string;
  replicas: number;
  storage: Storage;
  resources: Resources;
  port: number;
  grpcPort: number;
  args: string[];
  probes: ServerProbes;
  gracePeriodSeconds: number;
  /** Created only once these are ready. */
  after: pulumi.Resource[];
}

interface ObjectMeta {
  name: string;
  namespace: pulumi.Input<string>;
  labels: Record<string, string>;
}

export interface SeaweedfsClusterArgs extends Placement {
  settings: SeaweedfsSettings;
  /** The filer's metadata store. */
  sql: SqlEndpoint;
}

/**
 * SeaweedFS does not care which region a request is signed for; SDKs need one to sign at all, and
 * us-east-1 is the one every SDK treats as the default.
 */
export const S3_REGION = "us-east-1";
/** Pod annotation whose change rolls filers / gateways when their config Secret changes (read at start). */
export const CONFIG_HASH_ANNOTATION = "vsekai.dev/config-sha256";

const JOB_RESOURCES: Resources = { cpu: "50m", memory: "128Mi", cpuLimit: "500m" };
/**
 * Bucket Job: it starts with the cluster, so its first rounds find no master or filer yet. A round is two
 * shell runs of at most 10 s each and a 2 s pause: up to 100 rounds within a 10-minute deadline, 3 pods.
 */
const BUCKET_ATTEMPTS = 100;
const BUCKET_DEADLINE_SECONDS = 600;
const SHELL_TIMEOUT_SECONDS = 10;

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

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

/** The pods of each part, by the labels NetworkPolicies select on. */
export interface SeaweedfsPeers {
  master: Peer;
  volume: Peer;
  filer: Peer;
  s3: Peer;
  bucketJob: Peer;
}

/**
 * A SeaweedFS cluster: raft masters and volume servers as StatefulSets with a PVC per pod, stateless filers
 * whose metadata lives in the stack's SQL database (postgres2 store), an S3 gateway that only the app's
 * identity may use, scoped to the app's bucket, and a Job that makes that bucket.
 *
 * Nothing here needs an init step that could deadlock with Pulumi's await: masters elect a leader on
 * their own once a quorum runs (they start in parallel), volume servers become ready once they heartbeat
 * to it, filers once SQL answers. So every workload is awaited normally.
 *
 * Start order: everything that dials the masters by pod name (volume servers, filers, the bucket Job) is
 * created once the masters are ready. A pod name resolves only once its pod has
 * an address, and CoreDNS as kubeadm sets it up (`ttl 30`, `cache 30`) remembers a "no such host" for 30
 * seconds, for every pod asking: starting together cost every dependent half a minute, waiting costs the
 * masters' few seconds of start-up. Gateways start once a filer is ready (see below); nothing else waits.
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
    const child = { parent: this };
    const s = args.settings;

    const names = seaweedfsNames(args.prefix);
    const address = { names, namespace: args.namespaceName, clusterDomain: args.clusterDomain };
    const masters = masterPeers(address, s.masters);
    const version = imageVersion(s.image);
    const workload = (component: string): Workload => ({
      name: "seaweedfs",
      component,
      instance: args.instance,
    });
    const parts = {
      master: workload("master"),
      volume: workload("volume"),
      filer: workload("filer"),
      s3: workload("s3"),
      bucketJob: workload("bucket"),
    };
    const peer = (part: keyof typeof parts): Peer => ({
      name: `seaweedfs-${parts[part].component}`,
      selector: selectorLabels(parts[part]),
    });
    const peers: SeaweedfsPeers = {
      master: peer("master"),
      volume: peer("volume"),
      filer: peer("filer"),
      s3: peer("s3"),
      bucketJob: peer("bucketJob"),
    };
    const metadata = (objectName: string, w: Workload): ObjectMeta => ({
      name: objectName,
      namespace: args.namespace,
      labels: workloadLabels(w, version),
    });
    const container = (
      containerName: string,
      resources: Resources,
      rest: Omit<Container, "name" | "image" | "imagePullPolicy" | "resources" | "securityContext">,
    ): Container => ({
      name: containerName,
      image: s.image,
      imagePullPolicy: args.imagePullPolicy,
      ...rest,
      resources: containerResources(resources),
      securityContext: restrictedContainerSecurity(),
    });
    const podSpec = (w: Workload, spec: PodSpec & { volumes: Volume[] }, spread: boolean): PodSpec => ({
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: restrictedPodSecurity(UID),
      ...(spread ? softSpreading(selectorLabels(w)) : {}),
      ...spec,
    });
    const disruptionBudget = (logical: string, objectName: string, w: Workload) =>
      new k8s.policy.v1.PodDisruptionBudget(
        `${name}-${logical}-pdb`,
        {
          metadata: metadata(objectName, w),
          spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(w) } },
        },
        child,
      );

    // Masters and volume servers: stateful, each pod addressed by name, data on its own PVC -----------
    const stateful = (part: "master" | "volume", o: StatefulPart) => {
      const w = parts[part];
      const headless = new k8s.core.v1.Service(
        `${name}-${part}-peers`,
        {
          metadata: metadata(o.peersService, w),
          spec: {
            clusterIP: "None",
            // Masters must resolve each other before any is ready (none is, without a raft leader), and
            // a restarting volume server must stay resolvable under the name the master handed out.
            publishNotReadyAddresses: true,
            selector: selectorLabels(w),
            ports: servicePorts(o.port, o.grpcPort),
          },
        },
        child,
      );
      const set = this.statefulSet(name, part, {
        metadata: metadata(o.objectName, w),
        serviceName: o.peersService,
        replicas: o.replicas,
        workload: w,
        storage: o.storage,
        pod: podSpec(
          w,
          {
            terminationGracePeriodSeconds: o.gracePeriodSeconds,
            volumes: [TMP_VOLUME],
            containers: [
              container(part, o.resources, {
                command: [WEED_BINARY],
                args: o.args,
                env: [POD_NAME, HOME],
                ports: serverPorts(o.port, o.grpcPort),
                ...o.probes,
                volumeMounts: [{ name: "data", mountPath: DATA_DIR }, TMP_MOUNT],
              }),
            ],
          },
          true,
        ),
        dependsOn: [headless, ...o.after],
      });
      disruptionBudget(part, o.objectName, w);
      return set;
    };
    const masterSet = stateful("master", {
      objectName: names.master,
      peersService: names.masterPeersService,
      replicas: s.masters,
      storage: s.masterStorage,
      resources: s.masterResources,
      port: MASTER_PORT,
      grpcPort: MASTER_GRPC_PORT,
      args: masterArgs({
        peers: masters,
        peersFqdn: masterPeersFqdn(address),
        volumeSizeLimitMB: s.volumeSizeLimitMB,
        replication: s.replication,
      }),
      probes: masterProbes(),
      gracePeriodSeconds: 30,
      after: [],
    });
    new k8s.core.v1.Service(
      `${name}-master`,
      {
        metadata: { ...metadata(names.masterService, parts.master), annotations: SKIP_AWAIT },
        spec: {
          type: "ClusterIP",
          selector: selectorLabels(parts.master),
          ports: servicePorts(MASTER_PORT, MASTER_GRPC_PORT),
        },
      },
      child,
    );
    stateful("volume", {
      objectName: names.volume,
      peersService: names.volumePeersService,
      replicas: s.volumeServers,
      storage: s.volumeStorage,
      resources: s.volumeResources,
      port: VOLUME_PORT,
      grpcPort: VOLUME_GRPC_PORT,
      args: volumeArgs({ masters, peersFqdn: volumePeersFqdn(address), maxVolumes: s.maxVolumes }),
      probes: volumeProbes(),
      // -preStopSeconds (10 s) of draining, then closing volumes cleanly.
      gracePeriodSeconds: 60,
      after: [masterSet],
    });

    // Filers ----------------------------------------------------------------------------------------
    const caFile = args.sql.caSecretName ? `${SQL_CA_DIR}/${SQL_CA_FILE}` : undefined;
    const toml = pulumi.secret(args.sql.filerConnection.apply((c) => filerToml(c, caFile)));
    const filerConfig = new k8s.core.v1.Secret(
      `${name}-filer-config`,
      {
        metadata: metadata(names.filerConfigSecret, parts.filer),
        type: "Opaque",
        stringData: { [FILER_CONFIG_FILE]: toml },
      },
      child,
    );
    const filerVolumes: Volume[] = [
      TMP_VOLUME,
      {
        name: "config",
        secret: {
          secretName: names.filerConfigSecret,
          defaultMode: 0o440,
          items: [{ key: FILER_CONFIG_FILE, path: FILER_CONFIG_FILE }],
        },
      },
      ...(args.sql.caSecretName
        ? [
            {
              name: "sql-ca",
              secret: {
                secretName: args.sql.caSecretName,
                defaultMode: 0o444,
                items: [{ key: SQL_CA_FILE, path: SQL_CA_FILE }],
              },
            },
          ]
        : []),
    ];
    const filerMounts: VolumeMount[] = [
      TMP_MOUNT,
      { name: "config", mountPath: FILER_CONFIG_DIR, readOnly: true },
      ...(args.sql.caSecretName ? [{ name: "sql-ca", mountPath: SQL_CA_DIR, readOnly: true }] : []),
    ];
    new k8s.core.v1.Service(
      `${name}-filer`,
      {
        metadata: { ...metadata(names.filerService, parts.filer), annotations: SKIP_AWAIT },
        spec: {
          type: "ClusterIP",
          selector: selectorLabels(parts.filer),
          ports: servicePorts(FILER_PORT, FILER_GRPC_PORT),
        },
      },
      child,
    );
    const filers = this.deployment(name, "filer", {
      metadata: metadata(names.filer, parts.filer),
      replicas: s.filerReplicas,
      workload: parts.filer,
      // A digest of the file, not the file: the password stays out of the pod spec.
      configHash: pulumi.unsecret(toml.apply(sha256)),
      pod: podSpec(
        parts.filer,
        {
          terminationGracePeriodSeconds: 30,
          volumes: filerVolumes,
          containers: [
            container("filer", s.filerResources, {
              command: [WEED_BINARY],
              args: filerArgs(masters),
              // The image's working directory is not writable, and filer.toml is looked for there first.
              workingDir: TMP_DIR,
              env: [POD_IP, HOME],
              ports: serverPorts(FILER_PORT, FILER_GRPC_PORT),
              ...filerProbes(),
              volumeMounts: filerMounts,
            }),
          ],
        },
        true,
      ),
      dependsOn: [filerConfig, masterSet, ...args.sql.ready],
    });
    disruptionBudget("filer", names.filer, parts.filer);

    // S3 gateway ------------------------------------------------------------------------------------
    const accessKey = new GeneratedSecret(`${name}-s3-access-key`, { length: 20 }, child);
    const secretKey = new GeneratedSecret(`${name}-s3-secret-key`, { length: 40 }, child);
    const identities = pulumi.secret(
      pulumi
        .all([accessKey.value, secretKey.value])
        .apply(([ak, sk]) =>
          s3IdentitiesJson([{ name: "app", accessKey: ak, secretKey: sk, bucket: s.bucket }]),
        ),
    );
    const identitiesSecret = new k8s.core.v1.Secret(
      `${name}-s3-identities`,
      {
        metadata: metadata(names.s3IdentitiesSecret, parts.s3),
        type: "Opaque",
        stringData: { [S3_CONFIG_FILE]: identities },
      },
      child,
    );
    const credentials = new k8s.core.v1.Secret(
      `${name}-app-s3`,
      {
        metadata: metadata(names.s3CredentialsSecret, parts.s3),
        type: "Opaque",
        stringData: {
          [S3_ACCESS_KEY_ID_KEY]: pulumi.secret(accessKey.value),
          [S3_SECRET_ACCESS_KEY_KEY]: pulumi.secret(secretKey.value),
        },
      },
      child,
    );
    new k8s.core.v1.Service(
      `${name}-s3`,
      {
        metadata: { ...metadata(names.s3Service, parts.s3), annotations: SKIP_AWAIT },
        spec: { type: "ClusterIP", selector: selectorLabels(parts.s3), ports: servicePorts(S3_PORT) },
      },
      child,
    );
    const gateways = this.deployment(name, "s3", {
      metadata: metadata(names.s3, parts.s3),
      replicas: s.s3Replicas,
      workload: parts.s3,
      configHash: pulumi.unsecret(identities.apply(sha256)),
      pod: podSpec(
        parts.s3,
        {
          terminationGracePeriodSeconds: 30,
          volumes: [
            TMP_VOLUME,
            {
              name: "identities",
              secret: {
                secretName: names.s3IdentitiesSecret,
                defaultMode: 0o440,
                items: [{ key: S3_CONFIG_FILE, path: S3_CONFIG_FILE }],
              },
            },
          ],
          containers: [
            container("s3", s.s3Resources, {
              command: [WEED_BINARY],
              args: s3Args(filerAddress(address)),
              workingDir: TMP_DIR,
              env: [HOME],
              ports: serverPorts(S3_PORT),
              ...s3Probes(),
              volumeMounts: [TMP_MOUNT, { name: "identities", mountPath: S3_CONFIG_DIR, readOnly: true }],
            }),
          ],
        },
        true,
      ),
      // Seen here once in about fifteen starts: a gateway started before any filer was ready hung and never
      // listened (it asks the filer for its configuration with no deadline); one started after never did.
      dependsOn: [identitiesSecret, filers],
    });
    disruptionBudget("s3", names.s3, parts.s3);

    // The bucket ------------------------------------------------------------------------------------
    const jobLabels = workloadLabels(parts.bucketJob, version);
    this.bucketJob = new k8s.batch.v1.Job(
      `${name}-bucket`,
      {
        metadata: { name: names.bucketJob, namespace: args.namespace, labels: jobLabels },
        spec: {
          backoffLimit: 3,
          activeDeadlineSeconds: BUCKET_DEADLINE_SECONDS,
          // Idempotent, so it need not be kept: a later `up` that finds it gone simply runs it again.
          ttlSecondsAfterFinished: 3600,
          template: {
            metadata: { labels: jobLabels },
            spec: podSpec(
              parts.bucketJob,
              {
                restartPolicy: "Never",
                volumes: [TMP_VOLUME],
                containers: [
                  container("bucket", JOB_RESOURCES, {
                    command: [
                      "/bin/sh",
                      "-c",
                      bucketJobScript({
                        bucket: s.bucket,
                        masters,
                        filer: filerAddress(address),
                        attempts: BUCKET_ATTEMPTS,
                        shellTimeoutSeconds: SHELL_TIMEOUT_SECONDS,
                      }),
                    ],
                    workingDir: TMP_DIR,
                    env: [HOME],
                    volumeMounts: [TMP_MOUNT],
                  }),
                ],
              },
              false,
            ),
          },
        },
      },
      {
        ...child,
        dependsOn: [masterSet],
        // The name is fixed and a Job's template is immutable: replace it in place.
        deleteBeforeReplace: true,
        customTimeouts: { create: "15m", update: "15m" },
      },
    );

    this.names = names;
    this.peers = peers;
    this.masterAddresses = masters;
    this.s3 = {
      url: pulumi.output(s3Url(address)),
      port: S3_PORT,
      bucket: s.bucket,
      region: S3_REGION,
      credentialsSecretName: credentials.metadata.name,
      accessKeyId: pulumi.secret(accessKey.value),
      secretAccessKey: pulumi.secret(secretKey.value),
      peer: peers.s3,
      ready: [gateways, this.bucketJob, credentials],
      secrets: [credentials],
    };
    this.flows = seaweedfsFlows(peers, args.sql);
    this.registerOutputs({ s3Url: this.s3.url });
  }

  private statefulSet(
    name: string,
    logical: string,
    o: {
      serviceName: string;
      replicas: number;
      workload: Workload;
      metadata: ObjectMeta;
      storage: Storage;
      pod: PodSpec;
      dependsOn: pulumi.Resource[];
    },
  ): k8s.apps.v1.StatefulSet {
    return new k8s.apps.v1.StatefulSet(
      `${name}-${logical}`,
      {
        metadata: o.metadata,
        spec: {
          serviceName: o.serviceName,
          replicas: o.replicas,
          selector: { matchLabels: selectorLabels(o.workload) },
          // All at once: masters need a quorum before any is ready, and volume servers do not depend on
          // each other's start order.
          podManagementPolicy: "Parallel",
          updateStrategy: { type: "RollingUpdate" },
          // A removed pod's volume holds data (raft state, file volumes); keep it for a scale back up.
          persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
          template: { metadata: { labels: o.metadata.labels }, spec: o.pod },
          // Immutable once created (see CockroachCluster): changing size or class replaces the StatefulSet.
          volumeClaimTemplates: [
            {
              metadata: { name: "data", labels: selectorLabels(o.workload) },
              spec: {
                accessModes: ["ReadWriteOnce"],
                ...(o.storage.storageClass ? { storageClassName: o.storage.storageClass } : {}),
                resources: { requests: { storage: o.storage.size } },
              },
            },
          ],
        },
      },
      { parent: this, dependsOn: o.dependsOn },
    );
  }

  private deployment(
    name: string,
    logical: string,
    o: {
      replicas: number;
      workload: Workload;
      metadata: ObjectMeta;
      configHash: pulumi.Output<string>;
      pod: PodSpec;
      dependsOn: pulumi.Resource[];
    },
  ): k8s.apps.v1.Deployment {
    return new k8s.apps.v1.Deployment(
      `${name}-${logical}`,
      {
        metadata: o.metadata,
        spec: {
          replicas: o.replicas,
          selector: { matchLabels: selectorLabels(o.workload) },
          // A new pod is ready before an old one goes, so even a single replica serves through a rollout.
          strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
          template: {
            metadata: { labels: o.metadata.labels, annotations: { [CONFIG_HASH_ANNOTATION]: o.configHash } },
            spec: o.pod,
          },
        },
      },
      { parent: this, dependsOn: o.dependsOn },
    );
  }
}

/**
 * Who talks to whom, for the NetworkPolicies. gRPC sits on each HTTP port + 10000. The app's own flow to
 * the gateway is declared by the app component.
 */
export function seaweedfsFlows(peers: SeaweedfsPeers, sql: SqlEndpoint): Flow[] {
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
  ];
}
