import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { CockroachClusterSettings } from "../config/types.ts";
import { CertificateAuthority, IssuedCertificate } from "../secrets/index.ts";
import type { Flow, Peer, SqlEndpoint } from "../shared/endpoints.ts";
import type { Placement } from "../shared/placement.ts";
import { sha256 } from "../shared/digest.ts";
import { dataHolderOptions } from "../shared/protection.ts";
import { imageVersion, selectorLabels, workloadLabels, type Workload } from "../shared/labels.ts";
import { containerResources } from "../shared/resources.ts";
import { restrictedContainerSecurity, restrictedPodSecurity } from "../shared/security.ts";
import { startArgs, POD_NAME_ENV } from "./args.ts";
import {
  CA_CERT,
  NODE_CERT,
  NODE_IP_ADDRESSES,
  NODE_KEY,
  ROOT_CERT,
  ROOT_KEY,
  nodeDnsNames,
} from "./certs.ts";
import { connectionUrl, sqlConnection, type ClientLogin } from "./connection.ts";
import { backupFlows, declareBackupJobs, type CockroachBackup } from "./backup-jobs.ts";
import { declareDecommissionJob } from "./decommission.ts";
import { declareUpgradeCheckJob } from "./upgrade-job.ts";
import { memoryFlags } from "./memory.ts";
import { COCKROACH_BINARY, DATA_DIR, UID } from "./paths.ts";
import { HOME_ENV, copyCertsContainers, podMounts, podVolumes, type SecretFiles } from "./pod.ts";
import { HTTP_PORT_NAME, SQL_PORT_NAME, nodeProbes } from "./probes.ts";
import { TERMINATION_GRACE_SECONDS, stopCommand } from "./stopping.ts";
import { declareInitJob, declareLogins } from "./init-job.ts";
import {
  DATA_CLAIM,
  HTTP_PORT,
  SQL_PORT,
  clusterNames,
  discoveryFqdn,
  joinAddresses,
  publicFqdn,
  type ClusterNames,
} from "./topology.ts";
import { SKIP_AWAIT } from "../shared/awaiting.ts";

export interface CockroachClusterArgs extends Placement {
  settings: CockroachClusterSettings;
  /** Protect the nodes' StatefulSet from deletion and replacement (see shared/protection.ts). */
  protectData: boolean;
  /** Scheduled backups to the target, and a restore when asked for (backup-jobs.ts); absent: none. */
  backup?: CockroachBackup;
}

/** Annotation whose change rolls the pods when a certificate is renewed (they read certs only at start). */
export const CERT_HASH_ANNOTATION = "vsekai.dev/cert-bundle-sha256";

/**
 * A CockroachDB cluster: StatefulSet with a discovery and a client Service, TLS from our own CA, a
 * PodDisruptionBudget, and a Job that initialises the cluster and provisions the app's and the filer's
 * databases and users.
 *
 * Init without deadlock: Pulumi calls a StatefulSet ready only once every replica is Ready, and a
 * CockroachDB node is never Ready before `cockroach init` has run. So the StatefulSet skips Pulumi's
 * await (`pulumi.com/skipAwait`), the init Job is created right after it, and the Job, whose completion
 * Pulumi does await, is what clients wait on (`endpoint.ready`). The Job completes only once SQL answers,
 * so "ready" still means a working cluster.
 *
 * Scaling down: the StatefulSet waits on a Job that first decommissions the nodes a lower `nodes` removes,
 * and refuses a count that would leave fewer than three of three or more (scaling.ts, decommission.ts).
 */
export class CockroachCluster extends pulumi.ComponentResource {
  readonly endpoint: SqlEndpoint;
  readonly flows: Flow[];
  readonly names: ClusterNames;
  readonly statefulSetName: string;
  readonly publicServiceName: string;
  readonly discoveryServiceName: string;
  readonly nodes: number;
  /** The init Job's pods, which reach the nodes on 26257. */
  readonly jobPeer: Peer;
  /** The Job the StatefulSet waits on, which decommissions the nodes a lower count removes. */
  readonly decommissionJob: k8s.batch.v1.Job;
  readonly initJob: k8s.batch.v1.Job;
  /** What the init Job waits for: the nodes, their Services and every Secret its pods mount. */
  readonly initPrerequisites: pulumi.Resource[];

  constructor(name: string, args: CockroachClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("vsekai:cockroachdb:CockroachCluster", name, {}, opts);
    const child = { parent: this };
    const s = args.settings;
    const names = clusterNames(args.prefix);
    const address = { names, namespace: args.namespaceName, clusterDomain: args.clusterDomain };
    const nodeWorkload: Workload = { name: "cockroachdb", component: "cockroachdb", instance: args.instance };
    const jobWorkload: Workload = { name: "cockroachdb", component: "init", instance: args.instance };
    const version = imageVersion(s.image);
    const labels = workloadLabels(nodeWorkload, version);
    const selector = selectorLabels(nodeWorkload);
    const metadata = (objectName: string, extra: Record<string, string> = {}) => ({
      name: objectName,
      namespace: args.namespace,
      labels: { ...labels, ...extra },
    });

    const logins = declareLogins(name, s, metadata(names.passwordsSecret), this);
    const passwords = logins.passwords;

    const certs = s.tls ? this.certificates(name, s, address, metadata) : undefined;
    const nodeCertFiles: SecretFiles[] = [
      { secretName: names.nodeCertsSecret, files: [CA_CERT, NODE_CERT, NODE_KEY] },
      { secretName: names.rootCertsSecret, files: [ROOT_CERT, ROOT_KEY] },
    ];
    const clientCertFiles: SecretFiles[] = [
      { secretName: names.rootCertsSecret, files: [CA_CERT, ROOT_CERT, ROOT_KEY] },
    ];

    const ports = [
      { name: SQL_PORT_NAME, port: SQL_PORT, targetPort: SQL_PORT_NAME },
      { name: HTTP_PORT_NAME, port: HTTP_PORT, targetPort: HTTP_PORT_NAME },
    ];
    const discovery = new k8s.core.v1.Service(
      `${name}-discovery`,
      {
        metadata: metadata(names.discoveryService),
        spec: {
          clusterIP: "None",
          // Nodes find each other through these names before any of them is ready.
          publishNotReadyAddresses: true,
          selector,
          ports,
        },
      },
      child,
    );
    const publicService = new k8s.core.v1.Service(
      `${name}-public`,
      {
        metadata: { ...metadata(names.publicService), annotations: SKIP_AWAIT },
        spec: { type: "ClusterIP", selector, ports },
      },
      child,
    );

    // What every client Job (decommission, backup schedule, restore) is made from.
    const clientJob = {
      name,
      parent: this,
      placement: args,
      settings: s,
      address,
      version,
      certFiles: clientCertFiles,
    };
    const decommission = declareDecommissionJob({
      ...clientJob,
      dependsOn: [discovery, ...(certs?.secrets ?? [])],
    });
    this.decommissionJob = decommission.job;
    const upgradeCheck = declareUpgradeCheckJob({
      ...clientJob,
      finalize: s.finalizeUpgrade,
      dependsOn: [discovery, ...(certs?.secrets ?? [])],
    });

    const probes = nodeProbes(s.tls);
    const statefulSet = new k8s.apps.v1.StatefulSet(
      `${name}-nodes`,
      {
        metadata: { ...metadata(names.statefulSet), annotations: SKIP_AWAIT },
        spec: {
          serviceName: names.discoveryService,
          replicas: s.nodes,
          selector: { matchLabels: selector },
          podManagementPolicy: "Parallel",
          updateStrategy: { type: "RollingUpdate" },
          // A removed pod's volume is its node's data; keep it so scaling back up recovers the node.
          persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
          template: {
            metadata: {
              labels,
              annotations: certs ? { [CERT_HASH_ANNOTATION]: certs.bundleHash } : {},
            },
            spec: {
              automountServiceAccountToken: false,
              enableServiceLinks: false,
              securityContext: restrictedPodSecurity(UID),
              // Long enough for the preStop (a bounded wait for full replication, then the drain) to finish
              // before SIGKILL.
              terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
              affinity: {
                podAntiAffinity: {
                  preferredDuringSchedulingIgnoredDuringExecution: [
                    {
                      weight: 100,
                      podAffinityTerm: {
                        topologyKey: "kubernetes.io/hostname",
                        labelSelector: { matchLabels: selector },
                      },
                    },
                  ],
                },
              },
              topologySpreadConstraints: [
                {
                  maxSkew: 1,
                  topologyKey: "topology.kubernetes.io/zone",
                  whenUnsatisfiable: "ScheduleAnyway",
                  labelSelector: { matchLabels: selector },
                },
              ],
              volumes: podVolumes(s.tls, nodeCertFiles),
              initContainers: copyCertsContainers(s.tls, s.image, args.imagePullPolicy, nodeCertFiles),
              containers: [
                {
                  name: "cockroachdb",
                  image: s.image,
                  imagePullPolicy: args.imagePullPolicy,
                  command: [COCKROACH_BINARY],
                  args: startArgs({
                    join: joinAddresses(address, s.nodes),
                    discoveryFqdn: discoveryFqdn(address),
                    tls: s.tls,
                    memory: memoryFlags(s.resources.memory),
                    locality: s.locality,
                  }),
                  env: [
                    { name: POD_NAME_ENV, valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
                    HOME_ENV,
                  ],
                  ports: [
                    { name: SQL_PORT_NAME, containerPort: SQL_PORT, protocol: "TCP" },
                    { name: HTTP_PORT_NAME, containerPort: HTTP_PORT, protocol: "TCP" },
                  ],
                  ...probes,
                  lifecycle: { preStop: { exec: { command: stopCommand(s.tls, s.nodes) } } },
                  resources: containerResources(s.resources),
                  securityContext: restrictedContainerSecurity(),
                  volumeMounts: [{ name: DATA_CLAIM, mountPath: DATA_DIR }, ...podMounts(s.tls)],
                },
              ],
            },
          },
          // Immutable once created: a new size or class makes Pulumi replace the StatefulSet (delete, then
          // create, as its name is fixed), stopping every node at once; the retained PVCs bring the data
          // back, at their old size. With protectData the engine refuses that replacement instead. To grow
          // disks without the outage, expand each PVC (if the StorageClass allows it), delete the
          // StatefulSet with --cascade=orphan, then `pulumi up`.
          volumeClaimTemplates: [
            {
              metadata: { name: DATA_CLAIM, labels: selector },
              spec: {
                accessModes: ["ReadWriteOnce"],
                ...(s.storage.storageClass ? { storageClassName: s.storage.storageClass } : {}),
                resources: { requests: { storage: s.storage.size } },
              },
            },
          ],
        },
      },
      {
        ...child,
        dependsOn: [discovery, ...(certs?.secrets ?? []), decommission.job, upgradeCheck.job],
        ...dataHolderOptions(args.protectData),
      },
    );

    new k8s.policy.v1.PodDisruptionBudget(
      `${name}-pdb`,
      {
        metadata: metadata(names.disruptionBudget),
        spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
      },
      child,
    );

    this.initPrerequisites = [statefulSet, discovery, publicService, passwords, ...(certs?.secrets ?? [])];
    this.initJob = declareInitJob({
      ...clientJob,
      workload: jobWorkload,
      logins,
      dependsOn: this.initPrerequisites,
    });

    const host = publicFqdn(address);
    const login = (user: string, database: string, password: string): ClientLogin => ({
      host,
      port: SQL_PORT,
      user,
      password,
      database,
      tls: s.tls,
    });
    const peer: Peer = { name: "cockroachdb", selector };
    this.jobPeer = { name: "cockroachdb-init", selector: selectorLabels(jobWorkload) };
    const backupJobs =
      args.backup === undefined
        ? undefined
        : declareBackupJobs({ ...clientJob, backup: args.backup, dependsOn: [this.initJob] });
    this.endpoint = {
      host: pulumi.output(host),
      port: SQL_PORT,
      appUrl: pulumi.secret(
        logins.app.password.apply((p) => connectionUrl(login(logins.app.user, s.database, p))),
      ),
      filerConnection: pulumi.secret(
        logins.filer.password.apply((p) => sqlConnection(login(logins.filer.user, s.filerDatabase, p))),
      ),
      caSecretName: certs?.caSecret.metadata.name,
      peer,
      // A restore comes before anything that writes to the app's database (its migration above all).
      ready: [this.initJob, ...(backupJobs?.restore ? [backupJobs.restore] : [])],
    };
    // Only 26257 crosses pods: nodes replicate and gossip over gRPC, and the Job speaks SQL. Probes come
    // from the kubelet and the drain goes to localhost, so 8080 needs no flow.
    this.flows = [
      {
        from: peer,
        to: peer,
        ports: [SQL_PORT],
        reason: "CockroachDB nodes replicate ranges and gossip over gRPC",
      },
      {
        from: this.jobPeer,
        to: peer,
        ports: [SQL_PORT],
        reason: "the init Job initialises the cluster and provisions databases and users over SQL",
      },
      {
        from: decommission.peer,
        to: peer,
        ports: [SQL_PORT],
        reason: "the decommission Job lists the nodes over SQL and decommissions nodes over gRPC",
      },
      {
        from: upgradeCheck.peer,
        to: peer,
        ports: [SQL_PORT],
        reason: "the upgrade check reads the cluster's version and sets auto-finalization over SQL",
      },
      ...(backupJobs === undefined || args.backup === undefined
        ? []
        : backupFlows(peer, backupJobs.peer, args.backup.target)),
    ];
    this.names = names;
    this.statefulSetName = names.statefulSet;
    this.publicServiceName = names.publicService;
    this.discoveryServiceName = names.discoveryService;
    this.nodes = s.nodes;
    this.registerOutputs({ host: this.endpoint.host });
  }

  /** The CA, node and root certificates, and the Secrets that carry them. */
  private certificates(
    name: string,
    s: CockroachClusterSettings,
    address: Parameters<typeof nodeDnsNames>[0],
    metadata: (objectName: string) => {
      name: string;
      namespace: pulumi.Input<string>;
      labels: Record<string, string>;
    },
  ) {
    const child = { parent: this };
    const names = address.names;
    const validity = { validityDays: s.certValidityDays, renewBeforeDays: s.certRenewBeforeDays };
    // Renewing the CA means new certificates everywhere and, during a rolling restart, nodes that do not
    // trust each other; it gets five times the leaf validity so that happens rarely and on purpose.
    const ca = new CertificateAuthority(
      `${name}-ca`,
      {
        commonName: `${names.statefulSet} CA`,
        validityDays: s.certValidityDays * 5,
        renewBeforeDays: s.certRenewBeforeDays,
      },
      child,
    );
    const issuer = { caCertPem: ca.certPem, caKeyPem: ca.keyPem };
    // CockroachDB identifies nodes and SQL users by certificate CN: "node" and "root".
    const node = new IssuedCertificate(
      `${name}-node-cert`,
      {
        ...issuer,
        ...validity,
        commonName: "node",
        dnsNames: nodeDnsNames(address),
        ipAddresses: NODE_IP_ADDRESSES,
        usages: ["server", "client"],
      },
      child,
    );
    const root = new IssuedCertificate(
      `${name}-root-cert`,
      { ...issuer, ...validity, commonName: "root", usages: ["client"] },
      child,
    );
    const secret = (logical: string, objectName: string, data: Record<string, pulumi.Input<string>>) =>
      new k8s.core.v1.Secret(
        `${name}-${logical}`,
        { metadata: metadata(objectName), type: "Opaque", stringData: data },
        child,
      );
    const nodeSecret = secret("node-certs", names.nodeCertsSecret, {
      [CA_CERT]: ca.certPem,
      [NODE_CERT]: node.certPem,
      [NODE_KEY]: pulumi.secret(node.keyPem),
    });
    const rootSecret = secret("root-certs", names.rootCertsSecret, {
      [CA_CERT]: ca.certPem,
      [ROOT_CERT]: root.certPem,
      [ROOT_KEY]: pulumi.secret(root.keyPem),
    });
    const caSecret = secret("ca", names.caSecret, { [CA_CERT]: ca.certPem });
    const bundleHash = pulumi.all([ca.certPem, node.certPem, root.certPem]).apply((pems) => sha256(...pems));
    return { secrets: [nodeSecret, rootSecret, caSecret], caSecret, bundleHash };
  }
}
