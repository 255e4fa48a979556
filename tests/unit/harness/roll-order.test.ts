import type * as k8s from "@kubernetes/client-node";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { mastersDone, observeRollOrder, volumesTouched } from "../../harness/roll-order.ts";

const OLD = "vsekai.local/seaweedfs:4.53";
const NEW = "vsekai.local/seaweedfs:4.53-rebuild";

function pod(image: string, ready = true, going = false): k8s.V1Pod {
  return {
    metadata: going ? { deletionTimestamp: new Date() } : {},
    spec: { containers: [{ name: "weed", image }] },
    status: { phase: "Running", conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
  };
}

describe("the order of a SeaweedFS image roll, from pod samples", () => {
  it("counts the masters done only when all are on the new image and ready", () => {
    expect(mastersDone([pod(NEW), pod(NEW), pod(NEW)], NEW, 3)).toBe(true);
    expect(mastersDone([pod(NEW), pod(NEW), pod(OLD)], NEW, 3)).toBe(false);
    expect(mastersDone([pod(NEW), pod(NEW), pod(NEW, false)], NEW, 3)).toBe(false);
    expect(mastersDone([pod(NEW), pod(NEW)], NEW, 3)).toBe(false);
    expect(mastersDone([pod(NEW), pod(NEW), pod(NEW, true, true)], NEW, 3)).toBe(false);
  });

  it("counts a volume server touched when one is going, missing, or on the new image", () => {
    expect(volumesTouched([pod(OLD), pod(OLD), pod(OLD)], NEW, 3)).toBe(false);
    expect(volumesTouched([pod(OLD), pod(OLD), pod(OLD, true, true)], NEW, 3)).toBe(true);
    expect(volumesTouched([pod(OLD), pod(OLD)], NEW, 3)).toBe(true);
    expect(volumesTouched([pod(OLD), pod(OLD), pod(NEW, false)], NEW, 3)).toBe(true);
  });

  it("keeps the first time each was seen, whatever follows", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ masters: fc.boolean(), volumes: fc.boolean() }), { maxLength: 30 }),
        (steps) => {
          let order = {};
          steps.forEach((s, i) => {
            order = observeRollOrder(
              order,
              i * 500,
              {
                masters: [pod(s.masters ? NEW : OLD), pod(NEW), pod(NEW)],
                volumes: [pod(s.volumes ? NEW : OLD), pod(OLD), pod(OLD)],
              },
              NEW,
              { masters: 3, volumes: 3 },
            );
          });
          const first = (key: "masters" | "volumes") => {
            const i = steps.findIndex((s) => s[key]);
            return i < 0 ? undefined : i * 500;
          };
          expect(order).toEqual({ mastersDoneMs: first("masters"), volumesTouchedMs: first("volumes") });
        },
      ),
    );
  });
});
