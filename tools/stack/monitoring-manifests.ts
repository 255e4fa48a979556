import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as k8s from "@kubernetes/client-node";
import type { MonitoringInput } from "../../components/config/monitoring.ts";
import { RESTRICTED_NAMESPACE_LABELS, restrictedPodSecurity } from "../../components/shared/security.ts";
import { harnessDeployment, httpProbe } from "./harness-deployment.ts";
import { pinnedImage, VERSIONS_FILE } from "./images.ts";

// What the live monitoring test's Prometheus is made of (monitoring-fixture.ts applies it): the Prometheus
// Operator v0.85.0 (tools/monitoring; images built by tools/images/build.sh prometheus prometheus-operator
// prometheus-config-reloader) and one Prometheus it manages, in a namespace of their own, beside the stack
// as a user's kube-prometheus-stack runs beside staging and prod. The stack only declares ServiceMonitors
// and PrometheusRules labelled for it (monitoring.labels) and lets this namespace reach its metrics ports.
// The RBAC rules are the release's example/rbac ones, written here as our own objects.

const REPO = join(import.meta.dirname, "..", "..");

export const MONITORING_NAMESPACE = "vsekai-monitoring";
/** The Prometheus resource; the Operator runs it as StatefulSet prometheus-<name>. */
export const PROMETHEUS_NAME = "vsekai-harness";
export const PROMETHEUS_PORT = 9090;
/** What the Prometheus selects ServiceMonitors and PrometheusRules by: the stack's monitoring.labels. */
export const FIXTURE_SELECTOR_LABELS: Readonly<Record<string, string>> = {
  "vsekai.dev/prometheus": "harness",
};
export const SCRAPE_INTERVAL = "15s";
export const EVALUATION_INTERVAL = "15s";
export const OPERATOR = "prometheus-operator";
const PROMETHEUS_ACCOUNT = "prometheus";
const CLUSTER_ROLE_PREFIX = "vsekai-harness-";
/** nobody, as the images run (tools/images/versions.env MONITORING_UID). */
const UID = 65534;
const LABELS = { "app.kubernetes.io/part-of": "vsekai-harness" };
const OPERATOR_LABELS = { "app.kubernetes.io/name": OPERATOR, ...LABELS };
export const MONITORING_GROUP = "monitoring.coreos.com";
/** The Operator's label on the pods of a Prometheus (pkg/prometheus: PrometheusNameLabelName). */
export const PROMETHEUS_POD_LABEL = "operator.prometheus.io/name";

export interface MonitoringImages {
  prometheus: string;
  operator: string;
  reloader: string;
}

/** The images tools/images/build.sh makes, as versions.env names them. */
export function monitoringImages(versionsFile = VERSIONS_FILE): MonitoringImages {
  const named = (variable: string): string => pinnedImage(variable, versionsFile);
  return {
    prometheus: named("PROMETHEUS_IMAGE"),
    operator: named("PROMETHEUS_OPERATOR_IMAGE"),
    reloader: named("PROMETHEUS_CONFIG_RELOADER_IMAGE"),
  };
}

/** The release an image's tag names, as the Operator wants it in spec.version (it picks flags by it). */
export function prometheusVersion(image: string): string {
  const tag = /:(\d+\.\d+\.\d+)$/.exec(image)?.[1];
  if (tag === undefined) throw new Error(`image ${image} has no x.y.z tag to take Prometheus' version from`);
  return `v${tag}`;
}

/** The stack's `monitoring` settings that point it at this fixture (the test adds maxAlertFor and the like). */
export function fixtureMonitoringSettings(extra: Omit<MonitoringInput, "mode"> = {}): MonitoringInput {
  return {
    mode: "operator",
    scraperNamespace: MONITORING_NAMESPACE,
    labels: { ...FIXTURE_SELECTOR_LABELS },
    ...extra,
  };
}

const read = ["get", "list", "watch"];
type Rule = k8s.V1PolicyRule;

/** What the Operator does, as its release's example/rbac/prometheus-operator grants it. */
const OPERATOR_RULES: Rule[] = [
  {
    apiGroups: [MONITORING_GROUP],
    resources: [
      ...["alertmanagers", "prometheuses", "prometheusagents", "thanosrulers"].flatMap((r) => [
        r,
        `${r}/finalizers`,
        `${r}/status`,
      ]),
      "alertmanagerconfigs",
      "scrapeconfigs",
      "servicemonitors",
      "servicemonitors/status",
      "podmonitors",
      "probes",
      "prometheusrules",
    ],
    verbs: ["*"],
  },
  { apiGroups: ["apps"], resources: ["statefulsets"], verbs: ["*"] },
  { apiGroups: [""], resources: ["configmaps", "secrets"], verbs: ["*"] },
  { apiGroups: [""], resources: ["pods"], verbs: ["list", "delete"] },
  {
    apiGroups: [""],
    resources: ["services", "services/finalizers", "endpoints"],
    verbs: ["get", "create", "update", "delete"],
  },
  { apiGroups: [""], resources: ["nodes"], verbs: ["list", "watch"] },
  { apiGroups: [""], resources: ["namespaces"], verbs: read },
  { apiGroups: [""], resources: ["events"], verbs: ["patch", "create"] },
  { apiGroups: ["networking.k8s.io"], resources: ["ingresses"], verbs: read },
  { apiGroups: ["storage.k8s.io"], resources: ["storageclasses"], verbs: ["get"] },
];

/** What Prometheus' Kubernetes service discovery reads, as example/rbac/prometheus grants it. */
const PROMETHEUS_RULES: Rule[] = [
  { apiGroups: [""], resources: ["nodes", "nodes/metrics", "services", "endpoints", "pods"], verbs: read },
  { apiGroups: [""], resources: ["configmaps"], verbs: ["get"] },
  { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: read },
  { apiGroups: ["networking.k8s.io"], resources: ["ingresses"], verbs: read },
  { nonResourceURLs: ["/metrics"], verbs: ["get"] },
];

function account(name: string, rules: Rule[]): k8s.KubernetesObject[] {
  const role = `${CLUSTER_ROLE_PREFIX}${name}`;
  return [
    {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name, namespace: MONITORING_NAMESPACE, labels: LABELS },
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: role, labels: LABELS },
      rules,
    } as k8s.V1ClusterRole,
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: role, labels: LABELS },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
      subjects: [{ kind: "ServiceAccount", name, namespace: MONITORING_NAMESPACE }],
    } as k8s.V1ClusterRoleBinding,
  ];
}

/** The namespace, both accounts with their cluster roles, and the Operator's Deployment (last). */
export function operatorManifests(images: MonitoringImages): k8s.KubernetesObject[] {
  const deployment = harnessDeployment({
    metadata: { name: OPERATOR, namespace: MONITORING_NAMESPACE, labels: OPERATOR_LABELS },
    labels: OPERATOR_LABELS,
    replicas: 1,
    uid: UID,
    container: {
      name: OPERATOR,
      image: images.operator,
      // No --kubelet-service: nothing here scrapes the kubelets, so it need not keep their Service.
      args: [`--prometheus-config-reloader=${images.reloader}`, "--log-level=info", "--log-format=logfmt"],
      env: [{ name: "GOGC", value: "30" }],
      ports: [{ name: "http", containerPort: 8080 }],
      readinessProbe: httpProbe("/healthz", "http", 5),
      livenessProbe: httpProbe("/healthz", "http", 20),
      resources: { requests: { cpu: "50m", memory: "100Mi" }, limits: { cpu: "500m", memory: "200Mi" } },
    },
  });
  return [
    {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: MONITORING_NAMESPACE, labels: { ...LABELS, ...RESTRICTED_NAMESPACE_LABELS } },
    },
    ...account(OPERATOR, OPERATOR_RULES),
    ...account(PROMETHEUS_ACCOUNT, PROMETHEUS_RULES),
    deployment,
  ];
}

export interface PrometheusOptions {
  image: string;
  /** The namespaces whose ServiceMonitors and PrometheusRules it takes (the stacks'). */
  stackNamespaces: string[];
}

/** One small Prometheus selecting what the stacks label for it, restricted like every pod here. */
export function prometheusResource(options: PrometheusOptions): k8s.KubernetesObject & { spec: object } {
  const inStacks = {
    matchExpressions: [
      { key: "kubernetes.io/metadata.name", operator: "In", values: [...options.stackNamespaces] },
    ],
  };
  const selector = { matchLabels: { ...FIXTURE_SELECTOR_LABELS } };
  return {
    apiVersion: `${MONITORING_GROUP}/v1`,
    kind: "Prometheus",
    metadata: { name: PROMETHEUS_NAME, namespace: MONITORING_NAMESPACE, labels: LABELS },
    spec: {
      replicas: 1,
      image: options.image,
      version: prometheusVersion(options.image),
      imagePullPolicy: "IfNotPresent",
      serviceAccountName: PROMETHEUS_ACCOUNT,
      scrapeInterval: SCRAPE_INTERVAL,
      evaluationInterval: EVALUATION_INTERVAL,
      serviceMonitorSelector: selector,
      serviceMonitorNamespaceSelector: inStacks,
      podMonitorSelector: selector,
      podMonitorNamespaceSelector: inStacks,
      ruleSelector: selector,
      ruleNamespaceSelector: inStacks,
      retention: "2h",
      resources: { requests: { cpu: "50m", memory: "200Mi" }, limits: { cpu: "1", memory: "512Mi" } },
      // The Operator gives its own containers read-only roots without capabilities; the pod-level
      // context brings the rest the restricted level asks for.
      securityContext: restrictedPodSecurity(UID),
    },
  };
}

/** The Operator's CRDs, as operator-crds.sh fetched them from its Go module (VSEKAI_OPERATOR_CRDS or a fetch). */
export function operatorCrds(
  dir = process.env.VSEKAI_OPERATOR_CRDS ?? fetchCrds(),
): k8s.V1CustomResourceDefinition[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort();
  if (files.length === 0)
    throw new Error(`no CRD files in ${dir} (tools/monitoring/operator-crds.sh fetches them)`);
  // Through client-node's own loader, not a plain YAML parse: its serializer writes only the fields of its
  // typed models, so a plain object's `x-kubernetes-int-or-string` (no model field by that spelling) would
  // be dropped on the way to the API server, which then refuses the CRD (a property with no type).
  return files.map((f) => k8s.loadYaml<k8s.V1CustomResourceDefinition>(readFileSync(join(dir, f), "utf8")));
}

function fetchCrds(): string {
  const env = execFileSync(
    "bash",
    [join(REPO, "tools", "monitoring", "operator-crds.sh"), "--print-env", "--quiet"],
    {
      encoding: "utf8",
      timeout: 300_000,
    },
  );
  const dir = /VSEKAI_OPERATOR_CRDS="([^"]+)"/.exec(env)?.[1];
  if (dir === undefined)
    throw new Error(`tools/monitoring/operator-crds.sh printed no VSEKAI_OPERATOR_CRDS: ${env}`);
  return dir;
}
