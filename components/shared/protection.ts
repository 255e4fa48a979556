import type * as pulumi from "@pulumi/pulumi";

// Keeping data through `pulumi destroy`, a rename or a refactor (setting `protectData`, on by default in
// staging and prod). Decided per resource:
//
// - The data-holding StatefulSets (CockroachDB nodes, SeaweedFS masters and volume servers) are
//   `protect`ed: the engine then refuses to delete them (a destroy, a removed or renamed resource, a changed
//   parent) and to replace them (a changed volumeClaimTemplates is a replacement), and says so in the
//   preview, before anything is touched. Not `retainOnDelete`: a deletion that was meant (protection
//   lifted) should stop the pods, and the claims outlive the StatefulSet anyway (below).
// - Their claims are not Pulumi resources (volumeClaimTemplates): the StatefulSets keep them when they
//   are deleted or scaled down (persistentVolumeClaimRetentionPolicy Retain, set by both components), and
//   the only thing the stack could delete them with is the namespace, whose deletion deletes every claim
//   in it whatever that policy says. What happens to a volume whose claim is deleted by hand is the
//   StorageClass's reclaim policy (README: use a Retain class in prod).
// - So the namespace is `protect`ed and also `retainOnDelete`: even a destroy whose protection was lifted
//   with `pulumi state unprotect` removes the stack's objects one by one and leaves the namespace, and with
//   it the claims, for a new `up` to pick up again; deleting the data is then its own step
//   (`kubectl delete namespace`). Turning `protectData` off and running `up` clears both flags in state.
// - No `deletedWith`: it skips a resource's own delete when the namespace goes, trusting the cascade,
//   which is exactly the cascade that deletes the claims; with a retained namespace it would leave the
//   resource running, forgotten by state.

/** For a StatefulSet whose pods keep data on their claims. */
export function dataHolderOptions(protectData: boolean): pulumi.CustomResourceOptions {
  return protectData ? { protect: true } : {};
}

/** For the stack's namespace, which holds the claims. */
export function namespaceOptions(protectData: boolean): pulumi.CustomResourceOptions {
  return protectData ? { protect: true, retainOnDelete: true } : {};
}
