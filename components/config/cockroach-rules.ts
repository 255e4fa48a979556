import { mebibytes, memoryBytes } from "../shared/quantity.ts";

// What a CockroachDB node count or memory limit must be, checked while the config is resolved.

/** Below this, a node cannot keep its cache and SQL memory apart from its heap; refuse it in validation. */
export const MIN_NODE_MEMORY_MIB = 1024;

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

/**
 * A problem with a node memory setting, or undefined when it is fine. For config validation
 * (resolve.ts), which can name the key; the component trusts what validation let through.
 */
export function nodeMemoryProblem(limit: string): string | undefined {
  const bytes = memoryBytes(limit);
  if (bytes === undefined) return `${JSON.stringify(limit)} is not a memory quantity such as 4Gi`;
  if (mebibytes(bytes) < MIN_NODE_MEMORY_MIB) {
    return `${JSON.stringify(limit)} is not allowed: a CockroachDB node needs at least ${MIN_NODE_MEMORY_MIB}Mi (a quarter each for cache and SQL memory, the rest for its heap)`;
  }
  return undefined;
}
