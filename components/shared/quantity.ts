// Kubernetes resource quantities, parsed the way the API server reads them. Shared by components (memory
// sizing) and the policy pack (consistency checks), so both agree on what "4Gi" means.

const MEMORY_SUFFIX: Record<string, number> = {
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
};

/** Bytes in a memory quantity such as "512Mi" or "4G"; undefined when it is not one. */
export function memoryBytes(quantity: string): number | undefined {
  const match = /^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(quantity.trim());
  if (!match) return undefined;
  const [, amount, suffix = ""] = match;
  const factor = MEMORY_SUFFIX[suffix];
  if (amount === undefined || factor === undefined) return undefined;
  return Math.floor(Number(amount) * factor);
}

/** Whole mebibytes, the unit SeaweedFS and CockroachDB flags are easiest to read in. */
export function mebibytes(bytes: number): number {
  return Math.floor(bytes / 1024 ** 2);
}
