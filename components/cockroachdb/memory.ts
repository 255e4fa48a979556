import { mebibytes, memoryBytes } from "../shared/quantity.ts";

// CockroachDB's two big memory consumers are the storage cache and SQL working memory. Sizing each at a
// quarter of the container's memory limit leaves half for Go heap, goroutines and the kernel's page cache
// accounting, which is what keeps a node under its cgroup limit instead of being OOM-killed. The values
// are computed here from the resolved limit and passed as explicit sizes, so the spec shows them and a
// review can check them, rather than relying on fractions the process interprets at run time.

export interface MemoryFlags {
  cacheMiB: number;
  maxSqlMemoryMiB: number;
}

/** Cache and SQL memory for a container with memory limit `limit` (a Kubernetes quantity). */
export function memoryFlags(limit: string): MemoryFlags {
  const bytes = memoryBytes(limit);
  if (bytes === undefined) {
    throw new Error(`cockroach memory ${JSON.stringify(limit)} is not a Kubernetes memory quantity`);
  }
  // At least 1 MiB each: a flag of 0 would mean "unset" to some readers and "none" to others.
  const quarter = Math.max(1, mebibytes(bytes / 4));
  return { cacheMiB: quarter, maxSqlMemoryMiB: quarter };
}
