import { describe, expect, it } from "vitest";
import { memoryFlags } from "../../../components/cockroachdb/memory.ts";
import { nodeMemoryProblem } from "../../../components/config/cockroach-rules.ts";

describe("memoryFlags", () => {
  it("gives cache and SQL memory a quarter of a binary limit each", () => {
    expect(memoryFlags("4Gi")).toEqual({ cacheMiB: 1024, maxSqlMemoryMiB: 1024 });
    expect(memoryFlags("8Gi")).toEqual({ cacheMiB: 2048, maxSqlMemoryMiB: 2048 });
  });

  it("rounds decimal units down to whole MiB, never up past a quarter", () => {
    // 4G = 4e9 bytes; a quarter is 1e9 bytes = 953.67 MiB.
    expect(memoryFlags("4G")).toEqual({ cacheMiB: 953, maxSqlMemoryMiB: 953 });
    expect(memoryFlags("3000M").cacheMiB).toBe(715);
  });

  it("handles fractional and Ki quantities", () => {
    expect(memoryFlags("1.5Gi").cacheMiB).toBe(384);
    expect(memoryFlags("2097152Ki").cacheMiB).toBe(512);
  });

  it("never produces a zero flag for a tiny limit", () => {
    expect(memoryFlags("1Mi")).toEqual({ cacheMiB: 1, maxSqlMemoryMiB: 1 });
    expect(memoryFlags("100")).toEqual({ cacheMiB: 1, maxSqlMemoryMiB: 1 });
  });

  it("refuses something that is not a memory quantity", () => {
    expect(() => memoryFlags("4 gigs")).toThrow(/not a Kubernetes memory quantity/);
  });
});

describe("nodeMemoryProblem", () => {
  it("accepts 1Gi and more", () => {
    expect(nodeMemoryProblem("1Gi")).toBeUndefined();
    expect(nodeMemoryProblem("2Gi")).toBeUndefined();
  });

  it("refuses less than 1Gi, including 1G (which is under 1Gi)", () => {
    expect(nodeMemoryProblem("512Mi")).toMatch(/at least 1024Mi/);
    expect(nodeMemoryProblem("1G")).toMatch(/at least 1024Mi/);
  });

  it("refuses a malformed quantity", () => {
    expect(nodeMemoryProblem("lots")).toMatch(/not a memory quantity/);
  });
});
