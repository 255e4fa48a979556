import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { CockroachClusterSettings, PullPolicy, Resources } from "../config/types.ts";
import type { Placement } from "../shared/placement.ts";
import { containerResources } from "../shared/resources.ts";
import { restrictedContainerSecurity, restrictedPodSecurity } from "../shared/security.ts";
import { copyCertsScript } from "./certs.ts";
import { CERTS_DIR, CERTS_SOURCE_DIR, TMP_DIR, UID } from "./paths.ts";
import type { ClusterAddress } from "./topology.ts";

type Container = k8s.types.input.core.v1.Container;
type PodSpec = k8s.types.input.core.v1.PodSpec;
type Volume = k8s.types.input.core.v1.Volume;
type VolumeMount = k8s.types.input.core.v1.VolumeMount;

// The pieces the node pods and the init Job share: where certificates come from and how they get the
// modes CockroachDB requires, and the scratch space a read-only root filesystem needs.

/** Copying certificates takes a few milliseconds and a few MiB. */
const COPY_RESOURCES: Resources = { cpu: "10m", memory: "32Mi", cpuLimit: "100m" };

export interface SecretFiles {
  secretName: string;
  files: string[];
}

/** Volumes: certificates (source Secrets and the 0400 copy) when TLS is on, and /tmp always. */
export function podVolumes(tls: boolean, sources: SecretFiles[]): Volume[] {
  const tmp: Volume = { name: "tmp", emptyDir: { sizeLimit: "256Mi" } };
  if (!tls) return [tmp];
  return [
    {
      name: "certs-secret",
      projected: {
        defaultMode: 0o400,
        sources: sources.map((s) => ({
          secret: { name: s.secretName, items: s.files.map((f) => ({ key: f, path: f })) },
        })),
      },
    },
    // In memory: private keys never touch the node's disk.
    { name: "certs", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } },
    tmp,
  ];
}

export function podMounts(tls: boolean): VolumeMount[] {
  return [...(tls ? [{ name: "certs", mountPath: CERTS_DIR }] : []), { name: "tmp", mountPath: TMP_DIR }];
}

/** The init container that copies certificates, when TLS is on. */
export function copyCertsContainers(
  tls: boolean,
  image: string,
  pullPolicy: PullPolicy,
  sources: SecretFiles[],
): Container[] {
  if (!tls) return [];
  return [
    {
      name: "copy-certs",
      image,
      imagePullPolicy: pullPolicy,
      command: ["/bin/sh", "-c", copyCertsScript(sources.flatMap((s) => s.files))],
      volumeMounts: [
        { name: "certs-secret", mountPath: CERTS_SOURCE_DIR, readOnly: true },
        { name: "certs", mountPath: CERTS_DIR },
      ],
      resources: containerResources(COPY_RESOURCES),
      securityContext: restrictedContainerSecurity(),
    },
  ];
}

/** cockroach's SQL shell keeps a history file in $HOME; the image's HOME is not writable. */
export const HOME_ENV = { name: "HOME", value: TMP_DIR };

/**
 * The pod of a Job that runs cockroach as a client (init, decommission): restricted, no service account
 * token, run once, with the given certificates copied into place; its containers are the caller's.
 */
export function clientJobPod(
  tls: boolean,
  image: string,
  pullPolicy: PullPolicy,
  certFiles: SecretFiles[],
): Omit<PodSpec, "containers"> {
  return {
    restartPolicy: "Never",
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    securityContext: restrictedPodSecurity(UID),
    volumes: podVolumes(tls, certFiles),
    initContainers: copyCertsContainers(tls, image, pullPolicy, certFiles),
  };
}

/**
 * The one container of such a Job: cockroach as a client with the copied certificates. Its last lines
 * become the termination message, which `pulumi up` and `kubectl describe` show when it fails.
 */
export function clientJobContainer(o: {
  name: string;
  image: string;
  pullPolicy: PullPolicy;
  tls: boolean;
  command: string[];
  env: k8s.types.input.core.v1.EnvVar[];
  resources: Resources;
}): Container {
  return {
    name: o.name,
    image: o.image,
    imagePullPolicy: o.pullPolicy,
    command: o.command,
    terminationMessagePolicy: "FallbackToLogsOnError",
    env: o.env,
    resources: containerResources(o.resources),
    securityContext: restrictedContainerSecurity(),
    volumeMounts: podMounts(o.tls),
  };
}

/** What every client Job of the cluster (decommission, backup schedule, restore) is declared from. */
export interface ClientJobArgs {
  /** The cluster component's name and the component itself, its parent. */
  name: string;
  parent: pulumi.Resource;
  placement: Placement;
  settings: CockroachClusterSettings;
  address: ClusterAddress;
  version: string;
  /** The root client's certificates, as the init Job mounts them. */
  certFiles: SecretFiles[];
  /** What must exist before it runs. */
  dependsOn: pulumi.Resource[];
}
