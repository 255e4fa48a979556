import * as k8s from "@kubernetes/client-node";
import { RESTRICTED_NAMESPACE_LABELS } from "../../components/shared/security.ts";
import { harnessDeployment, httpProbe } from "./harness-deployment.ts";

// The local cluster's ingress controller for the HA stack: Traefik (tools/ingress, image built by
// tools/images/build.sh traefik), run by this harness in a namespace of its own, never by the product's
// components, exactly as ingress-nginx runs beside staging and prod. The stack's Ingress names class
// `traefik` and its NetworkPolicies let this namespace in (networking.ingressNamespace).

export const INGRESS_NAMESPACE = "ingress-traefik";
export const INGRESS_CLASS = "traefik";
const NAME = "traefik";
const CONTROLLER = "traefik.io/ingress-controller";
const UID = 65532;
const LABELS = { "app.kubernetes.io/name": NAME, "app.kubernetes.io/part-of": "vsekai-harness" };
const PORTS = { web: 8000, websecure: 8443, ping: 9000 };
import { pinnedImage, VERSIONS_FILE } from "./images.ts";

const FIELD_MANAGER = "vsekai-harness";

/** The image tools/images/build.sh makes, as versions.env names it. */
export function traefikImage(versionsFile = VERSIONS_FILE): string {
  return pinnedImage("TRAEFIK_IMAGE", versionsFile);
}

export interface IngressControllerOptions {
  image: string;
  replicas: number;
  /** The Service's cluster IP, written into each Ingress's status (what Pulumi's Ingress await waits for). */
  statusAddress?: string;
}

/** Traefik's static configuration: the Kubernetes Ingress provider for class traefik, TLS on websecure. */
export function traefikArgs(statusAddress: string | undefined): string[] {
  return [
    `--entrypoints.web.address=:${PORTS.web}`,
    `--entrypoints.websecure.address=:${PORTS.websecure}`,
    "--entrypoints.websecure.http.tls=true",
    `--entrypoints.traefik.address=:${PORTS.ping}`,
    "--ping=true",
    "--ping.entrypoint=traefik",
    "--providers.kubernetesingress=true",
    `--providers.kubernetesingress.ingressclass=${INGRESS_CLASS}`,
    // Path-element matching as the Ingress spec says (/api does not match /apix).
    "--providers.kubernetesingress.strictprefixmatching=true",
    // A backend with no ready endpoint answers 503 rather than 404: a fault shows as what it is.
    "--providers.kubernetesingress.allowemptyservices=true",
    ...(statusAddress === undefined
      ? []
      : [`--providers.kubernetesingress.ingressendpoint.ip=${statusAddress}`]),
    "--global.checknewversion=false",
    "--global.sendanonymoususage=false",
    "--log.level=INFO",
  ];
}

/** Everything the controller needs, cluster-scoped objects first; the Deployment last. */
export function ingressControllerManifests(options: IngressControllerOptions): k8s.KubernetesObject[] {
  const meta = (extra: Record<string, unknown> = {}) => ({ name: NAME, labels: LABELS, ...extra });
  const namespaced = meta({ namespace: INGRESS_NAMESPACE });
  const read = ["get", "list", "watch"];
  return [
    {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: {
        name: INGRESS_NAMESPACE,
        labels: { ...LABELS, ...RESTRICTED_NAMESPACE_LABELS },
      },
    },
    { apiVersion: "v1", kind: "ServiceAccount", metadata: namespaced },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: meta({ name: "vsekai-harness-traefik" }),
      rules: [
        { apiGroups: [""], resources: ["services", "secrets", "nodes"], verbs: read },
        { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: read },
        { apiGroups: ["networking.k8s.io"], resources: ["ingresses", "ingressclasses"], verbs: read },
        { apiGroups: ["networking.k8s.io"], resources: ["ingresses/status"], verbs: ["update"] },
      ],
    } as k8s.V1ClusterRole,
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: meta({ name: "vsekai-harness-traefik" }),
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "vsekai-harness-traefik" },
      subjects: [{ kind: "ServiceAccount", name: NAME, namespace: INGRESS_NAMESPACE }],
    } as k8s.V1ClusterRoleBinding,
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "IngressClass",
      metadata: { name: INGRESS_CLASS, labels: LABELS },
      spec: { controller: CONTROLLER },
    } as k8s.V1IngressClass,
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: namespaced,
      spec: {
        type: "ClusterIP",
        selector: LABELS,
        ports: [
          { name: "websecure", port: 443, targetPort: "websecure" },
          { name: "web", port: 80, targetPort: "web" },
        ],
      },
    } as k8s.V1Service,
    deployment(options, namespaced),
  ];
}

function deployment(options: IngressControllerOptions, metadata: k8s.V1ObjectMeta): k8s.V1Deployment {
  return harnessDeployment({
    metadata: { ...metadata, name: NAME },
    labels: LABELS,
    replicas: options.replicas,
    uid: UID,
    container: {
      name: NAME,
      image: options.image,
      args: traefikArgs(options.statusAddress),
      ports: Object.entries(PORTS).map(([name, containerPort]) => ({ name, containerPort })),
      readinessProbe: httpProbe("/ping", "ping", 2),
      livenessProbe: httpProbe("/ping", "ping", 10),
      resources: {
        requests: { cpu: "50m", memory: "128Mi" },
        limits: { cpu: "500m", memory: "128Mi" },
      },
      volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
    },
    volumes: [{ name: "tmp", emptyDir: {} }],
  });
}

export interface IngressController {
  namespace: string;
  service: string;
  clusterIp: string;
  httpsPort: number;
}

async function apply(client: k8s.KubernetesObjectApi, object: k8s.KubernetesObject): Promise<void> {
  await client.patch(object, undefined, undefined, FIELD_MANAGER, true, k8s.PatchStrategy.ServerSideApply);
}

/** Applies the controller (server-side apply: a second run changes nothing) and waits until it is ready. */
export async function ensureIngressController(
  kc: k8s.KubeConfig,
  options: { image?: string; replicas?: number; timeoutSeconds?: number } = {},
): Promise<IngressController> {
  const client = k8s.KubernetesObjectApi.makeApiClient(kc);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const base = { image: options.image ?? traefikImage(), replicas: options.replicas ?? 1 };
  const manifests = ingressControllerManifests(base);
  for (const object of manifests.filter((o) => o.kind !== "Deployment")) await apply(client, object);
  const service = await core.readNamespacedService({ name: NAME, namespace: INGRESS_NAMESPACE });
  const clusterIp = service.spec?.clusterIP;
  if (clusterIp === undefined) throw new Error(`Service ${INGRESS_NAMESPACE}/${NAME} has no cluster IP`);
  const withStatus = ingressControllerManifests({ ...base, statusAddress: clusterIp });
  for (const object of withStatus.filter((o) => o.kind === "Deployment")) await apply(client, object);
  await waitReady(kc.makeApiClient(k8s.AppsV1Api), base.replicas, options.timeoutSeconds ?? 180);
  return { namespace: INGRESS_NAMESPACE, service: NAME, clusterIp, httpsPort: 443 };
}

async function waitReady(apps: k8s.AppsV1Api, replicas: number, timeoutSeconds: number): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  while (Date.now() < deadline) {
    const d = await apps.readNamespacedDeployment({ name: NAME, namespace: INGRESS_NAMESPACE });
    const current = (d.status?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 1);
    if (current && (d.status?.updatedReplicas ?? 0) >= replicas && (d.status?.readyReplicas ?? 0) >= replicas)
      return;
    await new Promise((r) => setTimeout(r, 2000));
  }
  throw new Error(
    `Traefik in namespace ${INGRESS_NAMESPACE} was not ready within ${timeoutSeconds}s (is the image ` +
      `loaded? tools/images/build.sh --load containerd traefik); see: kubectl -n ${INGRESS_NAMESPACE} ` +
      `describe pods -l app.kubernetes.io/name=${NAME}`,
  );
}

/** Removes the controller: its namespace and its cluster-scoped objects. */
export async function removeIngressController(kc: k8s.KubeConfig): Promise<void> {
  const client = k8s.KubernetesObjectApi.makeApiClient(kc);
  const manifests = ingressControllerManifests({ image: "unused", replicas: 0 });
  for (const kind of ["IngressClass", "ClusterRoleBinding", "ClusterRole", "Namespace"]) {
    const object = manifests.find((o) => o.kind === kind);
    if (object === undefined) continue;
    try {
      await client.delete(object);
    } catch (error) {
      if ((error as { code?: number }).code !== 404) throw error;
    }
  }
}
