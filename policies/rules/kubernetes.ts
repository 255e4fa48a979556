import { UnknownValueError } from "@pulumi/policy";

// What the rules read from Kubernetes resources, and how to find the pod spec inside each workload kind.
// Props arrive as the engine passes them: the resource's camelCase input properties (`spec.template.spec`),
// plain JSON with secrets already unwrapped. Only the fields the rules read are typed here.
//
// During a preview some values are unknown (computed from other resources' outputs). The engine's proxy
// throws `UnknownValueError` when one is read, which turns the whole policy into a "can't run during
// preview" advisory; `known()` lets a rule skip just the one value it cannot judge yet.

export type Labels = Record<string, string>;

export interface LabelSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Labels;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  labels?: Labels;
  annotations?: Record<string, string>;
}

export interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  allowPrivilegeEscalation?: boolean;
  privileged?: boolean;
  readOnlyRootFilesystem?: boolean;
  capabilities?: { add?: string[]; drop?: string[] };
  seccompProfile?: { type?: string; localhostProfile?: string };
}

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol?: string;
}

export interface Probe {
  httpGet?: { port: number | string; path?: string };
  tcpSocket?: { port: number | string };
  grpc?: { port: number };
  exec?: { command?: string[] };
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: Record<string, unknown>;
}

export interface VolumeMount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
}

export interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  ports?: ContainerPort[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: SecurityContext;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  volumeMounts?: VolumeMount[];
  /** "Always" on an init container makes it a sidecar that runs as long as the pod. */
  restartPolicy?: string;
}

export interface Volume {
  name: string;
  emptyDir?: Record<string, unknown>;
  hostPath?: { path: string };
  persistentVolumeClaim?: { claimName: string };
  ephemeral?: Record<string, unknown>;
  [source: string]: unknown;
}

export interface PodSpec {
  containers?: Container[];
  initContainers?: Container[];
  volumes?: Volume[];
  securityContext?: SecurityContext & { fsGroup?: number };
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  automountServiceAccountToken?: boolean;
  restartPolicy?: string;
  affinity?: {
    podAntiAffinity?: {
      requiredDuringSchedulingIgnoredDuringExecution?: { labelSelector?: LabelSelector }[];
      preferredDuringSchedulingIgnoredDuringExecution?: {
        podAffinityTerm?: { labelSelector?: LabelSelector };
      }[];
    };
  };
  topologySpreadConstraints?: { labelSelector?: LabelSelector }[];
}

export interface PodTemplate {
  metadata?: ObjectMeta;
  spec?: PodSpec;
}

/** The kinds that run pods, with where each keeps its pod template. */
export type WorkloadKind =
  "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job" | "CronJob" | "Pod";

export interface Workload {
  kind: WorkloadKind;
  /** metadata.name, or the Pulumi resource name when the object is auto-named. */
  name: string;
  namespace?: string;
  metadata: ObjectMeta;
  /** Desired pods; undefined when another controller (an HPA) owns the count or the kind has none. */
  replicas?: number;
  /** Whether the spec sets `replicas` (when it does not, an HPA may own the count). */
  replicasDeclared: boolean;
  selector?: LabelSelector;
  template: PodTemplate;
  /** StatefulSet volumeClaimTemplates by name: each pod gets its own PVC under that volume name. */
  claimTemplates: string[];
  /** Whether the pods run until stopped (servers), rather than to completion (Jobs). */
  longRunning: boolean;
  raw: Record<string, unknown>;
}

/** Reads a value the engine may not know yet during preview; undefined when it is unknown. */
export function known<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (e) {
    if (e instanceof UnknownValueError) return undefined;
    throw e;
  }
}

/** `kubernetes:apps/v1:Deployment` → group "apps", version "v1", kind "Deployment"; undefined otherwise. */
export function kubernetesType(type: string): { group: string; version: string; kind: string } | undefined {
  const match = /^kubernetes:([a-z0-9.]+)\/([a-z0-9]+):([A-Za-z]+)$/.exec(type);
  if (!match) return undefined;
  const [, group = "", version = "", kind = ""] = match;
  return { group, version, kind };
}

/** The kind of a Kubernetes resource type token, whatever its API version (apps/v1, extensions/v1beta1...). */
export function kindOf(type: string): string | undefined {
  return kubernetesType(type)?.kind;
}

const WORKLOAD_GROUPS: Record<WorkloadKind, string[]> = {
  Deployment: ["apps", "extensions"],
  StatefulSet: ["apps"],
  DaemonSet: ["apps", "extensions"],
  ReplicaSet: ["apps", "extensions"],
  Job: ["batch"],
  CronJob: ["batch"],
  Pod: ["core"],
};

function isWorkloadKind(kind: string): kind is WorkloadKind {
  return kind in WORKLOAD_GROUPS;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v !== null && typeof v === "object" ? (v as Json) : {});

/**
 * The workload a resource declares, with its pod template, or undefined when it runs no pods. Covers
 * every API version of each kind (apps/v1 and the old extensions/apps beta Deployments alike); the
 * `*Patch` kinds are partial objects and are not workloads.
 */
export function workloadOf(type: string, props: Json, resourceName: string): Workload | undefined {
  const parsed = kubernetesType(type);
  if (!parsed || !isWorkloadKind(parsed.kind)) return undefined;
  const kind = parsed.kind;
  if (!WORKLOAD_GROUPS[kind].includes(parsed.group)) return undefined;
  const metadata = obj(props.metadata) as ObjectMeta;
  const spec = obj(props.spec);
  let template: PodTemplate;
  let selector: LabelSelector | undefined;
  if (kind === "Pod") {
    template = { metadata, spec: spec as PodSpec };
  } else if (kind === "CronJob") {
    const jobSpec = obj(obj(spec.jobTemplate).spec);
    template = obj(jobSpec.template) as PodTemplate;
  } else {
    template = obj(spec.template) as PodTemplate;
    selector = spec.selector as LabelSelector | undefined;
  }
  const replicasValue = known(() => spec.replicas);
  const hasReplicas = kind === "Deployment" || kind === "StatefulSet" || kind === "ReplicaSet";
  // The API server defaults an absent count to 1.
  const replicas = hasReplicas
    ? typeof replicasValue === "number"
      ? replicasValue
      : "replicas" in spec
        ? undefined
        : 1
    : undefined;
  const claimTemplates =
    kind === "StatefulSet"
      ? ((spec.volumeClaimTemplates as { metadata?: ObjectMeta }[] | undefined) ?? [])
          .map((t) => known(() => t.metadata?.name))
          .filter((n): n is string => typeof n === "string")
      : [];
  const podRestart = known(() => template.spec?.restartPolicy);
  const longRunning =
    kind === "Deployment" ||
    kind === "StatefulSet" ||
    kind === "DaemonSet" ||
    kind === "ReplicaSet" ||
    (kind === "Pod" && (podRestart === undefined || podRestart === "Always"));
  return {
    kind,
    name: known(() => metadata.name) ?? resourceName,
    namespace: known(() => metadata.namespace),
    metadata,
    replicas,
    replicasDeclared: "replicas" in spec,
    selector,
    template,
    claimTemplates,
    longRunning,
    raw: props,
  };
}

/** Every container of a pod: init containers first, as the kubelet starts them. */
export function allContainers(spec: PodSpec | undefined): Container[] {
  return [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
}

/** Whether a selector matches a set of labels, with the API server's semantics (empty selects everything). */
export function selectorMatches(selector: LabelSelector | Labels | undefined, labels: Labels): boolean {
  if (selector === undefined) return false;
  const asSelector: LabelSelector =
    "matchLabels" in selector || "matchExpressions" in selector
      ? (selector as LabelSelector)
      : { matchLabels: selector as Labels };
  for (const [key, value] of Object.entries(asSelector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const r of asSelector.matchExpressions ?? []) {
    const has = r.key in labels;
    const value = labels[r.key];
    const values = r.values ?? [];
    if (r.operator === "In" && !(has && values.includes(value as string))) return false;
    if (r.operator === "NotIn" && has && values.includes(value as string)) return false;
    if (r.operator === "Exists" && !has) return false;
    if (r.operator === "DoesNotExist" && has) return false;
  }
  return true;
}

/** Whether a selector has no terms at all (selects every pod of the namespace). */
export function selectsEverything(selector: LabelSelector | undefined): boolean {
  return (
    selector !== undefined &&
    Object.keys(selector.matchLabels ?? {}).length === 0 &&
    (selector.matchExpressions ?? []).length === 0
  );
}

/** What namespaceOf gives when the namespace is computed and not known yet (during a preview). */
export const UNKNOWN_NAMESPACE = "";

/** The namespace an object lands in: unset means the provider's default, "default" unless configured. */
export function namespaceOf(metadata: ObjectMeta | undefined): string {
  try {
    return metadata?.namespace ?? "default";
  } catch (e) {
    if (e instanceof UnknownValueError) return UNKNOWN_NAMESPACE;
    throw e;
  }
}

/** Whether two objects may share a namespace; an unknown one may be any. */
export function sameNamespace(a: ObjectMeta | undefined, b: ObjectMeta | undefined): boolean {
  const [x, y] = [namespaceOf(a), namespaceOf(b)];
  return x === y || x === UNKNOWN_NAMESPACE || y === UNKNOWN_NAMESPACE;
}

/** The full command line of a container: command then args (Kubernetes runs them concatenated). */
export function argv(container: Container): string[] {
  // Word by word: one word computed during preview must not hide the rest of the line.
  const words = (list: string[] | undefined) =>
    Array.from({ length: list?.length ?? 0 }, (_, i) => known(() => list?.[i]));
  return [...words(known(() => container.command)), ...words(known(() => container.args))].filter(
    (a): a is string => typeof a === "string",
  );
}

/** Whether a probe or a Service targets one of a container's declared ports, by number or by name. */
export function declaresPort(container: Container, port: number | string): boolean {
  return (container.ports ?? []).some((p) =>
    typeof port === "number" ? p.containerPort === port : p.name === port,
  );
}

export function quote(value: string): string {
  return JSON.stringify(value);
}
