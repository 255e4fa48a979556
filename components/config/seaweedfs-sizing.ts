import { mebibytes, memoryBytes } from "../shared/quantity.ts";

// How many volumes a volume server may hold (`-max`). SeaweedFS counts volume slots, not bytes: the
// master directs writes to a volume until it reaches -volumeSizeLimitMB (MiB in fact), and creates new
// volumes while any server has a free slot. Too many slots and the disk fills before the master notices;
// too few and writes fail with "no free volumes left" while the disk is half empty.

/** Free space the volume server keeps (its own -minFreeSpace default is 1%; we leave a little more). */
const RESERVED_FRACTION = 0.02;

/**
 * Volumes that fit on a disk of `storageSize` at `volumeSizeLimitMB` each, leaving room to compact one
 * volume (vacuum writes a full copy before dropping the old one) and the reserved free space.
 * Undefined when the size is not a Kubernetes quantity.
 */
export function fittingVolumes(storageSize: string, volumeSizeLimitMB: number): number | undefined {
  const bytes = memoryBytes(storageSize);
  if (bytes === undefined || volumeSizeLimitMB <= 0) return undefined;
  const usableMiB = mebibytes(bytes) * (1 - RESERVED_FRACTION) - volumeSizeLimitMB;
  return Math.max(0, Math.floor(usableMiB / volumeSizeLimitMB));
}

/**
 * What is wrong with `maxVolumes` slots per server on `storageSize` disks, or undefined. For config
 * validation; the caller adds the key (seaweedfs.maxVolumes or seaweedfs.volumeSizeLimitMB).
 */
export function maxVolumesProblem(
  maxVolumes: number,
  storageSize: string,
  volumeSizeLimitMB: number,
): string | undefined {
  const fitting = fittingVolumes(storageSize, volumeSizeLimitMB);
  if (fitting === undefined) {
    return `${JSON.stringify(storageSize)} is not a storage size (e.g. "100Gi")`;
  }
  if (fitting < 1) {
    return `${volumeSizeLimitMB} MB volumes do not fit on a ${storageSize} disk (one volume plus room to compact it and ${RESERVED_FRACTION * 100}% free space); use a smaller seaweedfs.volumeSizeLimitMB or a larger disk`;
  }
  if (!Number.isInteger(maxVolumes) || maxVolumes < 1) {
    return `${maxVolumes} is not allowed: a volume server needs at least one volume slot`;
  }
  if (maxVolumes > fitting) {
    return `${maxVolumes} is not allowed: ${maxVolumes} volumes of ${volumeSizeLimitMB} MB do not fit on a ${storageSize} disk with room to compact one; at most ${fitting}`;
  }
  return undefined;
}
