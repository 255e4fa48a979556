import { describe, expect, it } from "vitest";
import { fittingVolumes, maxVolumesProblem } from "../../../components/seaweedfs/index.ts";

describe("fittingVolumes", () => {
  it("keeps 2% free and room to compact one volume", () => {
    // 5Gi = 5120 MiB; 98% = 5017.6; minus one 256 MiB volume = 4761.6 → 18 volumes.
    expect(fittingVolumes("5Gi", 256)).toBe(18);
    // 100Gi: 100352 − 4096 = 96256 → 23.5 → 23.
    expect(fittingVolumes("100Gi", 4096)).toBe(23);
    // 500Gi at 8192: 501760 − 8192 = 493568 → 60.25 → 60.
    expect(fittingVolumes("500Gi", 8192)).toBe(60);
    expect(fittingVolumes("1000G", 1000)).toBe(
      Math.floor((Math.floor(1e12 / 1024 ** 2) * 0.98 - 1000) / 1000),
    );
  });

  it("finds no room when one volume plus its compaction copy does not fit", () => {
    expect(fittingVolumes("1Gi", 1024)).toBe(0);
    expect(fittingVolumes("1Gi", 500)).toBe(1);
  });

  it("is undefined for something that is not a size", () => {
    expect(fittingVolumes("lots", 100)).toBeUndefined();
    expect(fittingVolumes("10Gi", 0)).toBeUndefined();
  });
});

describe("maxVolumesProblem", () => {
  it("accepts up to what fits", () => {
    expect(maxVolumesProblem(18, "5Gi", 256)).toBeUndefined();
    expect(maxVolumesProblem(1, "5Gi", 256)).toBeUndefined();
  });

  it("refuses more volumes than fit, naming the ceiling", () => {
    expect(maxVolumesProblem(20, "5Gi", 256)).toBe(
      "20 is not allowed: 20 volumes of 256 MB do not fit on a 5Gi disk with room to compact one; at most 18",
    );
  });

  it("refuses a volume size that leaves no room at all, and nonsense counts and sizes", () => {
    expect(maxVolumesProblem(1, "1Gi", 1024)).toBe(
      "1024 MB volumes do not fit on a 1Gi disk (one volume plus room to compact it and 2% free space); use a smaller seaweedfs.volumeSizeLimitMB or a larger disk",
    );
    expect(maxVolumesProblem(0, "5Gi", 256)).toBe(
      "0 is not allowed: a volume server needs at least one volume slot",
    );
    expect(maxVolumesProblem(3, "big", 256)).toBe('"big" is not a storage size (e.g. "100Gi")');
  });
});
