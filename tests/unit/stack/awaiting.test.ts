import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { statefulSetRolledOut, WAIT_FOR_ANNOTATION } from "../../../components/shared/awaiting.ts";

describe("a StatefulSet's rollout, as the provider is told to wait for it", () => {
  it("asks for every pod on the current template, ready, and none left over", () => {
    expect(statefulSetRolledOut(3)).toEqual({
      [WAIT_FOR_ANNOTATION]:
        '["jsonpath={.status.replicas}=3","jsonpath={.status.updatedReplicas}=3","jsonpath={.status.readyReplicas}=3"]',
    });
  });

  it("is a JSON list of jsonpath conditions, one per status field, each naming the count", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 99 }), (replicas) => {
        const conditions = JSON.parse(statefulSetRolledOut(replicas)[WAIT_FOR_ANNOTATION] ?? "") as string[];
        expect(conditions).toHaveLength(3);
        for (const c of conditions)
          expect(c).toMatch(new RegExp(`^jsonpath=\\{\\.status\\.[a-zA-Z]+\\}=${replicas}$`));
      }),
    );
  });

  it("refuses a count that is not a whole number from 1 (at 0 the status omits the fields it waits on)", () => {
    for (const bad of [0, -1, 2.5, Number.NaN])
      expect(() => statefulSetRolledOut(bad), String(bad)).toThrow(/whole number/);
  });
});
