import * as k8s from "@pulumi/kubernetes";

export interface KubernetesTarget {
  /** Write manifests to this directory instead of applying them to a cluster (review, GitOps). */
  renderDir?: string;
}

/**
 * The provider's arguments. The cluster is whatever the ambient kubeconfig (KUBECONFIG, then
 * ~/.kube/config) points at, so the same program targets the local cluster, kind, k3d or a cloud.
 * Server-side apply is on so fields other controllers own (an HPA's replica count, say) are not fought.
 */
export function kubernetesProviderArgs(target: KubernetesTarget): k8s.ProviderArgs {
  return target.renderDir === undefined
    ? { enableServerSideApply: true }
    : { renderYamlToDirectory: target.renderDir, enableServerSideApply: true };
}

export function makeKubernetesProvider(name: string, target: KubernetesTarget): k8s.Provider {
  return new k8s.Provider(name, kubernetesProviderArgs(target));
}
