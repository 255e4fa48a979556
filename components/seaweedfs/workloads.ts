import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Resources, SeaweedfsSettings } from "../config/types.ts";
import { SKIP_AWAIT } from "../shared/awaiting.ts";
import { selectorLabels, workloadLabels, type Workload } from "../shared/labels.ts";
import type { Placement } from "../shared/placement.ts";
import { containerResources } from "../shared/resources.ts";
import { restrictedContainerSecurity, restrictedPodSecurity } from "../shared/security.ts";
import { softSpreading } from "../shared/spreading.ts";
import { UID } from "./pod.ts";
import type { SeaweedfsAddress, SeaweedfsNames } from "./topology.ts";

// What every SeaweedFS server's declaration is built from: the cluster it belongs to (whose children all
// its objects are, so their URNs do not depend on which file declares them) and the object, container and
// pod shapes the servers share.

export type Container = k8s.types.input.core.v1.Container;
export type PodSpec = k8s.types.input.core.v1.PodSpec;
export type Volume = k8s.types.input.core.v1.Volume;
export type VolumeMount = k8s.types.input.core.v1.VolumeMount;

/** The pieces of the cluster, each with its own pods and labels. */
export type Part =
  "master" | "volume" | "filer" | "s3" | "bucketJob" | "evacuateJob" | "s3KeysJob" | "backup" | "restore";

/** Pod annotation whose change rolls filers when their config Secret changes (read at start). */
export const CONFIG_HASH_ANNOTATION = "vsekai.dev/config-sha256";

/** One SeaweedFS cluster as its servers' declarations see it. */
export interface SeaweedfsScope {
  /** The component's Pulumi name, which starts every child's name. */
  name: string;
  /** The SeaweedfsCluster, parent of every object. */
  parent: pulumi.Resource;
  settings: SeaweedfsSettings;
  placement: Placement;
  names: SeaweedfsNames;
  address: SeaweedfsAddress;
  /** Every master as fqdn:port, as all servers are given it. */
  masters: string[];
  workloads: Record<Part, Workload>;
  /** The image's version, for the version label. */
  version: string;
  /** Whether the data-holding StatefulSets are protected (see shared/protection.ts). */
  protectData: boolean;
}

export interface ObjectMeta {
  name: string;
  namespace: pulumi.Input<string>;
  labels: Record<string, string>;
}

export { sha256 } from "../shared/digest.ts";

export function objectMeta(scope: SeaweedfsScope, objectName: string, part: Part): ObjectMeta {
  return {
    name: objectName,
    namespace: scope.placement.namespace,
    labels: workloadLabels(scope.workloads[part], scope.version),
  };
}

/** A container running the cluster's image as every SeaweedFS container does: restricted, sized. */
export function weedContainer(
  scope: SeaweedfsScope,
  containerName: string,
  resources: Resources,
  rest: Omit<Container, "name" | "image" | "imagePullPolicy" | "resources" | "securityContext">,
): Container {
  return {
    name: containerName,
    image: scope.settings.image,
    imagePullPolicy: scope.placement.imagePullPolicy,
    ...rest,
    resources: containerResources(resources),
    securityContext: restrictedContainerSecurity(),
  };
}

/** A restricted pod with no service account token, spread over nodes when `spread`. */
export function weedPod(w: Workload, spec: PodSpec & { volumes: Volume[] }, spread: boolean): PodSpec {
  return {
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    securityContext: restrictedPodSecurity(UID),
    ...(spread ? softSpreading(selectorLabels(w)) : {}),
    ...spec,
  };
}

/** At most one pod of the part evicted at a time. */
export function disruptionBudget(
  scope: SeaweedfsScope,
  part: Part,
  logical: string,
  objectName: string,
): k8s.policy.v1.PodDisruptionBudget {
  const w = scope.workloads[part];
  return new k8s.policy.v1.PodDisruptionBudget(
    `${scope.name}-${logical}-pdb`,
    {
      metadata: objectMeta(scope, objectName, part),
      spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(w) } },
    },
    { parent: scope.parent },
  );
}

/** The ClusterIP Service that reaches any pod of the part (not awaited: its workload is). */
export function clusterIpService(
  scope: SeaweedfsScope,
  part: Part,
  logical: string,
  objectName: string,
  ports: k8s.types.input.core.v1.ServicePort[],
): k8s.core.v1.Service {
  return new k8s.core.v1.Service(
    `${scope.name}-${logical}`,
    {
      metadata: { ...objectMeta(scope, objectName, part), annotations: SKIP_AWAIT },
      spec: { type: "ClusterIP", selector: selectorLabels(scope.workloads[part]), ports },
    },
    { parent: scope.parent },
  );
}

/**
 * A Deployment of interchangeable servers (filers, gateways). Filers read a config Secret only at start, so
 * the Secret's digest in the pod template rolls them when it changes.
 */
export function configuredDeployment(
  scope: SeaweedfsScope,
  part: Part,
  o: {
    replicas: number;
    metadata: ObjectMeta;
    /** Absent for servers that reload their config in place (the gateways: s3.ts). */
    configHash?: pulumi.Output<string>;
    pod: PodSpec;
    dependsOn: pulumi.Resource[];
  },
): k8s.apps.v1.Deployment {
  return new k8s.apps.v1.Deployment(
    `${scope.name}-${part}`,
    {
      metadata: o.metadata,
      spec: {
        replicas: o.replicas,
        selector: { matchLabels: selectorLabels(scope.workloads[part]) },
        // A new pod is ready before an old one goes, so even a single replica serves through a rollout.
        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        template: {
          metadata: {
            labels: o.metadata.labels,
            ...(o.configHash === undefined
              ? {}
              : { annotations: { [CONFIG_HASH_ANNOTATION]: o.configHash } }),
          },
          spec: o.pod,
        },
      },
    },
    { parent: scope.parent, dependsOn: o.dependsOn },
  );
}
