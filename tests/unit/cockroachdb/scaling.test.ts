import { describe, expect, it } from "vitest";
import { nodeCountProblem, scaleDownProblem } from "../../../components/cockroachdb/scaling.ts";

describe("scaleDownProblem", () => {
  it("accepts a first deployment, growth and no change", () => {
    expect(scaleDownProblem(undefined, 3, false)).toBeUndefined();
    expect(scaleDownProblem(3, 5, false)).toBeUndefined();
    expect(scaleDownProblem(3, 3, false)).toBeUndefined();
  });

  it("refuses a decrease until decommissioning is confirmed, naming the pods to decommission", () => {
    expect(scaleDownProblem(5, 3, false)).toMatch(/cockroach node decommission.*pods 3, 4/);
    expect(scaleDownProblem(5, 3, true)).toBeUndefined();
  });

  it("refuses going below three nodes from three or more, confirmed or not", () => {
    expect(scaleDownProblem(3, 1, true)).toMatch(/below 3 nodes/);
  });

  it("lets a small dev cluster shrink once confirmed", () => {
    expect(scaleDownProblem(2, 1, false)).toMatch(/pods 1/);
    expect(scaleDownProblem(2, 1, true)).toBeUndefined();
  });
});

describe("nodeCountProblem", () => {
  it("refuses two nodes only", () => {
    expect(nodeCountProblem(2)).toMatch(/2 is not allowed/);
    for (const n of [1, 3, 4, 5, 99]) expect(nodeCountProblem(n), String(n)).toBeUndefined();
  });
});
