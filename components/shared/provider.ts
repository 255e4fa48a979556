import * as k8s from "@pulumi/kubernetes";

export interface KubernetesTarget {
  /** Write manifests to this directory instead of applying them to a cluster (review, GitOps). */
  renderDir?: string;
}

/**
 * The provider's arguments. The cluster is whatever the ambient kubeconfig (KUBECONFIG, then
 * ~/.kube/config) points at, so the same program targets the local cluster, kind, k3d or a cloud.
 * Server-side apply is on so fields other controllers own (an HPA's replica count, say) are not fought.
 *
 * Secrets and ConfigMaps are updated in place. By default the provider replaces one whose data changes,
 * and since their names are fixed it deletes first, which makes the engine replace everything that depends
 * on it too: a rotated S3 key would have deleted and recreated the app's Deployment (every pod at once).
 * Workloads roll on a changed Secret or ConfigMap through hashes in their pod templates instead.
 */
export function kubernetesProviderArgs(target: KubernetesTarget): k8s.ProviderArgs {
  const common = { enableServerSideApply: true, enableSecretMutable: true, enableConfigMapMutable: true };
  return target.renderDir === undefined ? common : { ...common, renderYamlToDirectory: target.renderDir };
}

export function makeKubernetesProvider(name: string, target: KubernetesTarget): k8s.Provider {
  return new k8s.Provider(name, kubernetesProviderArgs(target));
}
