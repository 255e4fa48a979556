import { startArgs } from "../../components/cockroachdb/args.ts";
import { memoryFlags } from "../../components/cockroachdb/memory.ts";
import { nodeProbes } from "../../components/cockroachdb/probes.ts";
import { initJobScript } from "../../components/cockroachdb/provisioning.ts";
import { masterArgs, volumeArgs, WEED_BINARY } from "../../components/seaweedfs/args.ts";
import { masterProbes, volumeProbes } from "../../components/seaweedfs/probes.ts";
import { selectorLabels, workloadLabels } from "../../components/shared/labels.ts";
import { containerResources } from "../../components/shared/resources.ts";
import { restrictedContainerSecurity, restrictedPodSecurity } from "../../components/shared/security.ts";
import { softSpreading } from "../../components/shared/spreading.ts";
import type { TestResource } from "../testing.ts";

// Resources shaped like the ones our components declare (built with the components' own helpers for
// args, probes, security and resources), as the engine hands them to the pack: camelCase input props.
// Each test starts from one of these and breaks exactly one thing.

export const NS = "vsekai-prod";
/** What the components register the namespace and the data-holding StatefulSets with in prod. */
export const DATA_HOLDER_OPTIONS = { protect: true } as const;
export const TYPES = {
  deployment: "kubernetes:apps/v1:Deployment",
  statefulSet: "kubernetes:apps/v1:StatefulSet",
  job: "kubernetes:batch/v1:Job",
  cronJob: "kubernetes:batch/v1:CronJob",
  pod: "kubernetes:core/v1:Pod",
  daemonSet: "kubernetes:apps/v1:DaemonSet",
  service: "kubernetes:core/v1:Service",
  pdb: "kubernetes:policy/v1:PodDisruptionBudget",
  hpa: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
  networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  ingress: "kubernetes:networking.k8s.io/v1:Ingress",
  namespace: "kubernetes:core/v1:Namespace",
  configMap: "kubernetes:core/v1:ConfigMap",
  storageClass: "kubernetes:storage.k8s.io/v1:StorageClass",
  persistentVolume: "kubernetes:core/v1:PersistentVolume",
} as const;

type Props = Record<string, unknown>;

const cockroachWorkload = { name: "cockroachdb", component: "cockroachdb", instance: "prod" };
export const COCKROACH_SELECTOR = selectorLabels(cockroachWorkload);
const FQDN = `vsekai-cockroachdb.${NS}.svc.cluster.local`;

export interface CockroachOptions {
  nodes?: number;
  tls?: boolean;
  memory?: string;
}

export function cockroachStatefulSet(o: CockroachOptions = {}): TestResource {
  const nodes = o.nodes ?? 3;
  const tls = o.tls ?? true;
  const memory = o.memory ?? "4Gi";
  const labels = workloadLabels(cockroachWorkload, "v26.2.0");
  return {
    type: TYPES.statefulSet,
    name: "cockroachdb-nodes",
    opts: DATA_HOLDER_OPTIONS,
    props: {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: "vsekai-cockroachdb", namespace: NS, labels },
      spec: {
        serviceName: "vsekai-cockroachdb",
        replicas: nodes,
        selector: { matchLabels: COCKROACH_SELECTOR },
        persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            securityContext: restrictedPodSecurity(1000),
            ...softSpreading(COCKROACH_SELECTOR),
            volumes: [{ name: "tmp", emptyDir: { sizeLimit: "256Mi" } }],
            containers: [
              {
                name: "cockroachdb",
                image: "cockroachdb/cockroach:v26.2.0",
                command: ["/cockroach/cockroach"],
                args: startArgs({
                  join: [`vsekai-cockroachdb-0.${FQDN}:26257`],
                  discoveryFqdn: FQDN,
                  tls,
                  memory: memoryFlags(memory),
                }),
                env: [{ name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }],
                ports: [
                  { name: "sql", containerPort: 26257, protocol: "TCP" },
                  { name: "http", containerPort: 8080, protocol: "TCP" },
                ],
                ...nodeProbes(tls),
                resources: containerResources({ cpu: "1", memory }),
                securityContext: restrictedContainerSecurity(),
                volumeMounts: [
                  { name: "datadir", mountPath: "/cockroach/cockroach-data" },
                  { name: "tmp", mountPath: "/tmp" },
                ],
              },
            ],
          },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: "datadir", labels: COCKROACH_SELECTOR },
            spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "100Gi" } } },
          },
        ],
      },
    },
  };
}

export function cockroachInitJob(tls = true): TestResource {
  const labels = workloadLabels({ name: "cockroachdb", component: "init", instance: "prod" });
  return {
    type: TYPES.job,
    name: "cockroachdb-init",
    props: {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: "vsekai-cockroachdb-init", namespace: NS, labels },
      spec: {
        backoffLimit: 3,
        ttlSecondsAfterFinished: 3600,
        template: {
          metadata: { labels },
          spec: {
            restartPolicy: "Never",
            automountServiceAccountToken: false,
            securityContext: restrictedPodSecurity(1000),
            containers: [
              {
                name: "init",
                image: "cockroachdb/cockroach:v26.2.0",
                command: [
                  "/bin/sh",
                  "-c",
                  initJobScript({
                    initHost: `vsekai-cockroachdb-0.${FQDN}`,
                    sqlHost: `vsekai-cockroachdb-public.${NS}.svc.cluster.local`,
                    tls,
                    grants: [{ database: "uro", user: "uro", passwordEnv: "APP_PASSWORD" }],
                    attempts: 60,
                  }),
                ],
                env: [
                  { name: "HOME", value: "/tmp" },
                  {
                    name: "APP_PASSWORD",
                    valueFrom: {
                      secretKeyRef: { name: "vsekai-cockroachdb-passwords", key: "app-password" },
                    },
                  },
                ],
                resources: containerResources({ cpu: "100m", memory: "256Mi", cpuLimit: "500m" }),
                securityContext: restrictedContainerSecurity(),
              },
            ],
          },
        },
      },
    },
  };
}

const MASTERS_FQDN = `vsekai-seaweedfs-master-peers.${NS}.svc.cluster.local`;

function seaweedStatefulSet(part: "master" | "volume", replicas: number, args: string[]): TestResource {
  const workload = { name: "seaweedfs", component: part, instance: "prod" };
  const selector = selectorLabels(workload);
  const labels = workloadLabels(workload, "4.01");
  const port = part === "master" ? 9333 : 8080;
  return {
    type: TYPES.statefulSet,
    name: `seaweedfs-${part}`,
    opts: DATA_HOLDER_OPTIONS,
    props: {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: `vsekai-seaweedfs-${part}`, namespace: NS, labels },
      spec: {
        replicas,
        selector: { matchLabels: selector },
        persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            securityContext: restrictedPodSecurity(1000),
            ...softSpreading(selector),
            volumes: [{ name: "tmp", emptyDir: { sizeLimit: "256Mi" } }],
            containers: [
              {
                name: part,
                image: "chrislusf/seaweedfs:4.01",
                command: [WEED_BINARY],
                args,
                ports: [
                  { name: "http", containerPort: port, protocol: "TCP" },
                  { name: "grpc", containerPort: port + 10000, protocol: "TCP" },
                  { name: "metrics", containerPort: 9327, protocol: "TCP" },
                ],
                ...(part === "master" ? masterProbes() : volumeProbes()),
                resources: containerResources({ cpu: "500m", memory: "1Gi" }),
                securityContext: restrictedContainerSecurity(),
                volumeMounts: [
                  { name: "data", mountPath: "/data" },
                  { name: "tmp", mountPath: "/tmp" },
                ],
              },
            ],
          },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: "data" },
            spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "10Gi" } } },
          },
        ],
      },
    },
  };
}

export function masterPeerList(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `vsekai-seaweedfs-master-${i}.${MASTERS_FQDN}:9333`);
}

export function seaweedMaster(
  replicas = 3,
  replication = "001",
  peers = masterPeerList(replicas),
): TestResource {
  return seaweedStatefulSet(
    "master",
    replicas,
    masterArgs({ peers, peersFqdn: MASTERS_FQDN, volumeSizeLimitMB: 4096, replication }),
  );
}

export function seaweedVolume(replicas = 3, extraArgs: string[] = []): TestResource {
  const args = volumeArgs({
    masters: masterPeerList(3),
    peersFqdn: `vsekai-seaweedfs-volume-peers.${NS}.svc.cluster.local`,
    maxVolumes: 8,
  });
  return seaweedStatefulSet("volume", replicas, [...args, ...extraArgs]);
}

const appWorkload = { name: "uro", component: "server", instance: "prod" };
export const APP_SELECTOR = selectorLabels(appWorkload);

/** `"hpa"` leaves `replicas` out, as the app does when an HPA owns the count. */
export function appDeployment(replicas: number | "hpa" = 3): TestResource {
  const labels = workloadLabels(appWorkload, "d9679031f452");
  const httpGet = { path: "/health", port: "api", scheme: "HTTP" };
  return {
    type: TYPES.deployment,
    name: "app-server",
    props: {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "vsekai-uro", namespace: NS, labels },
      spec: {
        ...(replicas === "hpa" ? {} : { replicas }),
        selector: { matchLabels: APP_SELECTOR },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: restrictedPodSecurity(65534),
            ...softSpreading(APP_SELECTOR),
            volumes: [{ name: "tmp", emptyDir: { sizeLimit: "256Mi" } }],
            containers: [
              {
                name: "uro",
                image: "ghcr.io/v-sekai/uro:d9679031f4526c93a72284b2a122d994350a788c",
                env: [
                  {
                    name: "DATABASE_URL",
                    valueFrom: { secretKeyRef: { name: "vsekai-uro-database", key: "DATABASE_URL" } },
                  },
                  { name: "PHX_HOST", value: "vsekai.example.org" },
                  { name: "S3_ENDPOINT", value: `http://vsekai-seaweedfs-s3.${NS}.svc.cluster.local:8333` },
                ],
                ports: [
                  { name: "api", containerPort: 4000, protocol: "TCP" },
                  { name: "web", containerPort: 4001, protocol: "TCP" },
                ],
                readinessProbe: { httpGet, periodSeconds: 5 },
                livenessProbe: { httpGet, periodSeconds: 10 },
                resources: containerResources({ cpu: "1", memory: "2Gi" }),
                securityContext: restrictedContainerSecurity(),
                volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
              },
            ],
          },
        },
      },
    },
  };
}

export function pdb(
  name: string,
  selector: Record<string, string>,
  spec: Props = { maxUnavailable: 1 },
): TestResource {
  return {
    type: TYPES.pdb,
    name: `${name}-pdb`,
    props: {
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: { name, namespace: NS },
      spec: { ...spec, selector: { matchLabels: selector } },
    },
  };
}

export interface ServicePortSpec {
  name: string;
  port: number;
  targetPort?: number | string;
}

export function service(
  name: string,
  selector: Record<string, string> | undefined,
  ports: ServicePortSpec[],
  type = "ClusterIP",
): TestResource {
  return {
    type: TYPES.service,
    name: `${name}-service`,
    props: {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name, namespace: NS },
      spec: { type, ...(selector ? { selector } : {}), ports },
    },
  };
}

export function networkPolicy(name: string, spec: Props, namespace = NS): TestResource {
  return {
    type: TYPES.networkPolicy,
    name,
    props: { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name, namespace }, spec },
  };
}

export const DEFAULT_DENY_SPEC = { podSelector: {}, policyTypes: ["Ingress", "Egress"] };

export function namespace(name = NS): TestResource {
  return {
    type: TYPES.namespace,
    name: "network-namespace",
    opts: DATA_HOLDER_OPTIONS,
    props: { apiVersion: "v1", kind: "Namespace", metadata: { name } },
  };
}

export function ingress(
  name: string,
  serviceName: string,
  port: { number?: number; name?: string },
): TestResource {
  return {
    type: TYPES.ingress,
    name: `${name}-ingress`,
    props: {
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: { name, namespace: NS },
      spec: {
        rules: [
          {
            host: "vsekai.example.org",
            http: {
              paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: serviceName, port } } }],
            },
          },
        ],
      },
    },
  };
}

/** A production-shaped stack that every stack rule must pass. */
export function healthyStack(): TestResource[] {
  const masterSelector = selectorLabels({ name: "seaweedfs", component: "master", instance: "prod" });
  const volumeSelector = selectorLabels({ name: "seaweedfs", component: "volume", instance: "prod" });
  return [
    namespace(),
    cockroachStatefulSet(),
    cockroachInitJob(),
    pdb("vsekai-cockroachdb", COCKROACH_SELECTOR),
    service("vsekai-cockroachdb-public", COCKROACH_SELECTOR, [
      { name: "sql", port: 26257, targetPort: "sql" },
    ]),
    seaweedMaster(),
    pdb("vsekai-seaweedfs-master", masterSelector),
    seaweedVolume(),
    pdb("vsekai-seaweedfs-volume", volumeSelector),
    appDeployment(),
    pdb("vsekai-uro", APP_SELECTOR, { minAvailable: 1 }),
    service("vsekai-uro", APP_SELECTOR, [{ name: "api", port: 4000, targetPort: "api" }]),
    ingress("vsekai-uro", "vsekai-uro", { name: "api" }),
    networkPolicy("vsekai-default-deny", DEFAULT_DENY_SPEC),
  ];
}

/** A deep copy of a resource with its props changed by `change`, for breaking one thing at a time. */
export function modified(resource: TestResource, change: (props: Props) => void): TestResource {
  const props = structuredClone(resource.props);
  change(props);
  return { ...resource, props };
}

/** The pod spec inside a workload fixture's props (Deployment, StatefulSet, Job). */
export function podSpecOf(props: Props): Props {
  const spec = props.spec as Props;
  return (spec.template as Props).spec as Props;
}

/** The first container of a workload fixture's props. */
export function firstContainer(props: Props): Props {
  return (podSpecOf(props).containers as Props[])[0] as Props;
}
