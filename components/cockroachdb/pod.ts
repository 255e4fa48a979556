import type * as k8s from "@pulumi/kubernetes";
import type { PullPolicy, Resources } from "../config/types.ts";
import { containerResources } from "../shared/resources.ts";
import { restrictedContainerSecurity } from "../shared/security.ts";
import { copyCertsScript } from "./certs.ts";
import { CERTS_DIR, CERTS_SOURCE_DIR, TMP_DIR } from "./paths.ts";

type Container = k8s.types.input.core.v1.Container;
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
