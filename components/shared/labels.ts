// Recommended Kubernetes labels. Selectors use the stable subset (name, instance, component) so that a
// version bump or a new informational label never changes an immutable StatefulSet selector.

export const PART_OF = "vsekai";

export interface Workload {
  /** The system, e.g. "cockroachdb" or "seaweedfs". */
  name: string;
  /** The piece of it, e.g. "master" or "volume"; equals the system for single-piece systems. */
  component: string;
  /** The stack, so two stacks in one cluster never select each other's pods. */
  instance: string;
}

export function selectorLabels(w: Workload): Record<string, string> {
  return {
    "app.kubernetes.io/name": w.name,
    "app.kubernetes.io/instance": w.instance,
    "app.kubernetes.io/component": w.component,
  };
}

export function workloadLabels(w: Workload, version?: string): Record<string, string> {
  return {
    ...selectorLabels(w),
    "app.kubernetes.io/part-of": PART_OF,
    "app.kubernetes.io/managed-by": "pulumi",
    ...(version
      ? { "app.kubernetes.io/version": version.slice(0, 63).replace(/[^A-Za-z0-9._-]/g, "_") }
      : {}),
  };
}

/** The tag or digest of an image reference, used as the version label. */
export function imageVersion(image: string): string {
  const at = image.indexOf("@");
  if (at >= 0) return image.slice(at + 1 + "sha256:".length, at + 1 + "sha256:".length + 12);
  const colon = image.lastIndexOf(":");
  return colon > image.lastIndexOf("/") ? image.slice(colon + 1) : "unknown";
}
