// Scaling down. A StatefulSet removes its highest-ordinal pods at once, without asking CockroachDB. Every
// range with a replica on a removed node is then under-replicated, and a range with a majority of its
// replicas on removed nodes (two of three when two nodes go at once) is unavailable until they return.
// The data survives on the removed pods' volumes only because the StatefulSet keeps them
// (persistentVolumeClaimRetentionPolicy Retain): scaling back up brings those nodes back with their data.
// The safe way down is `cockroach node decommission <ids>` first, waiting until it reports the nodes
// decommissioned, and only then lowering `cockroach.nodes`.

/**
 * A problem with changing the node count from `current` (what is deployed, e.g. read from the last
 * stack output `cockroachNodes`) to `requested`, or undefined when the change is safe. For config
 * validation: a decrease needs the operator to confirm that the removed nodes were decommissioned.
 */
export function scaleDownProblem(
  current: number | undefined,
  requested: number,
  decommissionConfirmed: boolean,
): string | undefined {
  if (current === undefined || requested >= current) return undefined;
  if (requested < 3 && current >= 3) {
    return `${requested} is not allowed while ${current} nodes run: below 3 nodes the cluster cannot keep three replicas of each range, and CockroachDB will not finish decommissioning down to it; build a new cluster and restore a backup instead`;
  }
  if (decommissionConfirmed) return undefined;
  const removed = Array.from({ length: current - requested }, (_, i) => requested + i);
  return `${requested} is lower than the ${current} nodes running: first run \`cockroach node decommission\` for the nodes of pods ${removed.join(", ")} and wait until it completes, then confirm the scale-down; removing them without that makes their ranges under-replicated or unavailable`;
}

/**
 * A problem with a node count on its own, or undefined. Two nodes cannot hold a majority of three replicas
 * after losing one, so they are less available than one node while costing twice as much; refuse them.
 */
export function nodeCountProblem(nodes: number): string | undefined {
  if (nodes === 2) {
    return `2 is not allowed: with two nodes the loss of either stops every range (no majority of three replicas); use 1 for dev or 3 and more`;
  }
  return undefined;
}
