import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { GUARDED_SETTINGS, type GuardedSetting } from "../../../components/config/guarded-settings.ts";
import { resolveStackConfig } from "../../../components/config/resolve.ts";
import { asDataShape, shapeRefusals, type DataShape } from "../../../components/shared/data-shape.ts";
import { VSekaiStack } from "../../../components/stack/component.ts";
import { stackDataShape } from "../../../components/stack/data-shape.ts";
import { installMocks, settle, valueOf, type MockState } from "../harness.ts";
import { COMMITTED_STACKS, stackFileConfig } from "./stack-files.ts";

// The shape guard: what a running stack refuses to change without a named confirmation, and the way
// forward each refusal gives.

function shape(over: {
  masters?: number;
  volumeSize?: string;
  volumeClass?: string;
  confirmed?: GuardedSetting[];
}) {
  return {
    namespace: "vsekai-ha",
    masters: {
      statefulSet: "vsekai-seaweedfs-master",
      peersService: "vsekai-seaweedfs-master-peers",
      count: over.masters ?? 3,
    },
    claims: [
      {
        setting: "seaweedfs.masterStorage",
        statefulSet: "vsekai-seaweedfs-master",
        template: "data",
        size: "1Gi",
        storageClass: "",
      },
      {
        setting: "seaweedfs.volumeStorage",
        statefulSet: "vsekai-seaweedfs-volume",
        template: "data",
        size: over.volumeSize ?? "10Gi",
        storageClass: over.volumeClass ?? "",
      },
    ],
    confirmed: over.confirmed ?? [],
  } satisfies DataShape;
}

describe("shapeRefusals", () => {
  it("accepts anything on a stack's first update", () => {
    expect(shapeRefusals(undefined, shape({ masters: 1, volumeSize: "1Gi" }))).toEqual([]);
  });

  it("refuses fewer masters, naming the pods that would stop and the raft steps", () => {
    const [refusal, ...rest] = shapeRefusals(shape({ masters: 5 }), shape({ masters: 3 }));
    expect(rest).toEqual([]);
    expect(refusal?.setting).toBe("seaweedfs.masters");
    expect(refusal?.message).toMatch(
      /^lowered from 5 to 3 on a running stack; refused, nothing was changed\./,
    );
    expect(refusal?.message).toContain("stop vsekai-seaweedfs-master-4, vsekai-seaweedfs-master-3 while");
    expect(refusal?.message).toContain(
      "kubectl -n vsekai-ha exec vsekai-seaweedfs-master-0 -- weed shell -master=vsekai-seaweedfs-master-0.vsekai-seaweedfs-master-peers:9333",
    );
    expect(refusal?.message).toContain("cluster.raft.ps");
    expect(refusal?.message).toContain(`add "seaweedfs.masters" to confirmChanges`);
    expect(refusal?.message).toMatch(/Or keep seaweedfs\.masters: 5\.$/);
    expect(refusal?.message).not.toContain("single point of failure");
  });

  it("says that one master is a single point of failure", () => {
    const [refusal] = shapeRefusals(shape({ masters: 3 }), shape({ masters: 1 }));
    expect(refusal?.message).toContain("one master is a single point of failure for every write");
  });

  it("lets a confirmed master removal through, and never refuses more masters", () => {
    expect(
      shapeRefusals(shape({ masters: 3 }), shape({ masters: 1, confirmed: ["seaweedfs.masters"] })),
    ).toEqual([]);
    expect(shapeRefusals(shape({ masters: 1 }), shape({ masters: 3 }))).toEqual([]);
  });

  it("refuses a claim size change with the in-place expansion steps", () => {
    const [refusal, ...rest] = shapeRefusals(shape({}), shape({ volumeSize: "20Gi" }));
    expect(rest).toEqual([]);
    expect(refusal?.setting).toBe("seaweedfs.volumeStorage");
    expect(refusal?.message).toMatch(/^the claim size changed from 10Gi to 20Gi on a running stack; refused/);
    expect(refusal?.message).toContain(
      "the engine would replace vsekai-seaweedfs-volume: every pod stopped at once",
    );
    expect(refusal?.message).toContain(
      `kubectl -n vsekai-ha patch pvc data-vsekai-seaweedfs-volume-<ordinal> -p '{"spec":{"resources":{"requests":{"storage":"20Gi"}}}}'`,
    );
    expect(refusal?.message).toContain("delete statefulset vsekai-seaweedfs-volume --cascade=orphan");
    expect(refusal?.message).toMatch(/Or keep seaweedfs\.volumeStorage as it was \(size 10Gi\)\.$/);
  });

  it("refuses a shrink the same way (a claim cannot shrink, and the template would still replace the set)", () => {
    const [refusal] = shapeRefusals(shape({ volumeSize: "20Gi" }), shape({ volumeSize: "10Gi" }));
    expect(refusal?.message).toMatch(/^the claim size changed from 20Gi to 10Gi/);
  });

  it("refuses a storage class change, pointing at backup and restore", () => {
    const [refusal] = shapeRefusals(shape({}), shape({ volumeClass: "fast" }));
    expect(refusal?.message).toMatch(
      /^the storage class changed from \(default\) to fast on a running stack/,
    );
    expect(refusal?.message).toContain("backup and restore");
    expect(refusal?.message).not.toContain("patch pvc");
  });

  it("ignores claims that did not exist before (a tier switched to cluster mode)", () => {
    const before = { ...shape({}), claims: shape({}).claims.slice(0, 1) };
    expect(shapeRefusals(before, shape({}))).toEqual([]);
  });

  it("refuses exactly the guarded changes that are not confirmed (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4 }).map((n) => 2 * n + 1),
        fc.integer({ min: 0, max: 4 }).map((n) => 2 * n + 1),
        fc.constantFrom("10Gi", "20Gi", "10240Mi"),
        fc.subarray([...GUARDED_SETTINGS]),
        (before, after, size, confirmed) => {
          const refused = shapeRefusals(
            shape({ masters: before }),
            shape({ masters: after, volumeSize: size, confirmed }),
          );
          const expected: GuardedSetting[] = [];
          if (after < before) expected.push("seaweedfs.masters");
          if (size !== "10Gi") expected.push("seaweedfs.volumeStorage");
          expect(refused.map((r) => r.setting)).toEqual(expected.filter((s) => !confirmed.includes(s)));
        },
      ),
    );
  });
});

describe("shapeRefusals: the app's S3 key generation", () => {
  const keys = (generation: number, retirePrevious = false): DataShape => ({
    ...shape({}),
    s3Keys: { generation, retirePrevious },
  });

  it("lets a rotation through one step at a time with the old keys accepted, then their retirement", () => {
    expect(shapeRefusals(keys(0), keys(1))).toEqual([]);
    expect(shapeRefusals(keys(1), keys(1, true))).toEqual([]);
    expect(shapeRefusals(keys(1, true), keys(2))).toEqual([]);
    expect(shapeRefusals(keys(4, true), keys(4, false))).toEqual([]);
    // State written before rotation existed reads as generation 0.
    expect(shapeRefusals(shape({}), keys(1))).toEqual([]);
  });

  it("refuses a rotation that would retire the keys the running app pods still sign with", () => {
    expect(shapeRefusals(keys(1), keys(2, true))).toEqual([
      {
        setting: "seaweedfs.s3KeyGeneration",
        message:
          "changed from 1 to 2 on a running stack; refused, nothing was changed. seaweedfs.s3RetirePreviousKeys " +
          "is true, so the gateways would stop accepting generation 1's keys while the running app pods still " +
          "sign with them. Rotate with s3RetirePreviousKeys false; once that update is through, set it to true " +
          "and run pulumi up again to retire the old keys.",
      },
    ]);
  });

  it("refuses a jump of more than one generation and any step back, and no confirmation lets them through", () => {
    const jump = shapeRefusals(keys(1), { ...keys(3), confirmed: [...GUARDED_SETTINGS] });
    expect(jump.map((r) => r.message)).toEqual([
      "changed from 1 to 3 on a running stack; refused, nothing was changed. Raise it by one per update: " +
        "the gateways keep accepting only the generation before the new one, and the running app pods sign " +
        "with generation 1's keys until they have rolled. Set seaweedfs.s3KeyGeneration to 2, run pulumi up, " +
        "and repeat.",
    ]);
    const back = shapeRefusals(keys(2), keys(1));
    expect(back.map((r) => r.message)).toEqual([
      "changed from 2 to 1 on a running stack; refused, nothing was changed. Generations only go up: the " +
        "keys of generation 1 are gone, so this would make new ones under an old number. To rotate, set " +
        "seaweedfs.s3KeyGeneration to 3.",
    ]);
  });

  it("accepts exactly the steps of one up with the old keys kept (property)", () => {
    fc.assert(
      fc.property(fc.nat(50), fc.nat(50), fc.boolean(), fc.boolean(), (from, to, wasRetired, retire) => {
        const refused = shapeRefusals(keys(from, wasRetired), keys(to, retire)).length > 0;
        const safe = to === from || (to === from + 1 && !retire);
        expect(refused).toBe(!safe);
      }),
    );
  });
});

describe("shapeRefusals: the app's CockroachDB login generation", () => {
  const cockroachClaim = {
    setting: "cockroach.storage",
    statefulSet: "vsekai-cockroachdb",
    template: "datadir",
    size: "50Gi",
    storageClass: "",
  } as const;
  const cluster = (generation: number, retirePrevious = false): DataShape => {
    const base = shape({});
    return { ...base, claims: [...base.claims, cockroachClaim], appLogin: { generation, retirePrevious } };
  };

  it("lets a rotation through one step at a time with the old login kept, then its retirement", () => {
    expect(shapeRefusals(cluster(0), cluster(1))).toEqual([]);
    expect(shapeRefusals(cluster(1), cluster(1, true))).toEqual([]);
    expect(shapeRefusals(cluster(1, true), cluster(2))).toEqual([]);
  });

  it("refuses a rotation that would stop the login the running app pods connect as", () => {
    expect(shapeRefusals(cluster(1), cluster(2, true))).toEqual([
      {
        setting: "cockroach.appLoginGeneration",
        message:
          "changed from 1 to 2 on a running stack; refused, nothing was changed. cockroach.retirePreviousAppLogins " +
          "is true, so CockroachDB would stop generation 1's login while the running app pods still connect as " +
          "it. Rotate with retirePreviousAppLogins false; once that update is through, set it to true and run " +
          "pulumi up again to retire the old login.",
      },
    ]);
  });

  it("refuses a jump and a step back, also from state of a cluster-mode stack written before logins rotated", () => {
    const { appLogin: _none, ...older } = cluster(0);
    expect(shapeRefusals(older, cluster(2)).map((r) => r.message)).toEqual([
      "changed from 0 to 2 on a running stack; refused, nothing was changed. Raise it by one per update: only " +
        "the login of the generation before the new one keeps logging in, and the running app pods connect as " +
        "generation 0's login until they have rolled. Set cockroach.appLoginGeneration to 1, run pulumi up, and " +
        "repeat.",
    ]);
    expect(shapeRefusals(cluster(3), cluster(2)).map((r) => r.message)).toEqual([
      "changed from 3 to 2 on a running stack; refused, nothing was changed. Generations only go up: going back " +
        "to generation 2's login would stop the newer one the running app pods connect as. To rotate, set " +
        "cockroach.appLoginGeneration to 4.",
    ]);
  });

  it("lets a stack that had no cluster of its own (external SQL) start its logins at any generation", () => {
    expect(shapeRefusals(shape({}), cluster(5))).toEqual([]);
  });

  it("accepts exactly the steps of one up with the old login kept, whatever the S3 keys do (property)", () => {
    fc.assert(
      fc.property(fc.nat(50), fc.nat(50), fc.boolean(), fc.boolean(), (from, to, wasRetired, retire) => {
        const refused = shapeRefusals(cluster(from, wasRetired), cluster(to, retire));
        const safe = to === from || (to === from + 1 && !retire);
        expect(refused.map((r) => r.setting)).toEqual(safe ? [] : ["cockroach.appLoginGeneration"]);
      }),
    );
  });
});

describe("asDataShape", () => {
  it("reads a stored shape back and treats anything else as a first update", () => {
    expect(asDataShape(shape({}))).toEqual(shape({}));
    expect(asDataShape(undefined)).toBeUndefined();
    expect(asDataShape({ namespace: "x" })).toBeUndefined();
    const { confirmed: _dropped, ...older } = shape({});
    expect(asDataShape(older)?.confirmed).toEqual([]);
  });
});

describe.each(COMMITTED_STACKS)("the %s stack's data shape", (stack) => {
  let mocks: MockState;

  beforeAll(async () => {
    mocks = installMocks("vsekai-infra", stack);
    const component = new VSekaiStack("vsekai", resolveStackConfig(stackFileConfig(stack), stack));
    await valueOf(component.appUrl);
    await settle();
  });

  it("lists every data-holding StatefulSet's claim template under the setting that decides it", () => {
    const settings = resolveStackConfig(stackFileConfig(stack), stack);
    const planned = stackDataShape(settings, "vsekai");
    const sets = mocks.resources.filter((r) => r.type === "kubernetes:apps/v1:StatefulSet");
    expect(planned.claims.map((c) => c.statefulSet).sort()).toEqual(
      sets.map((s) => (s.inputs.metadata as { name: string }).name).sort(),
    );
    for (const claim of planned.claims) {
      const set = sets.find((s) => (s.inputs.metadata as { name: string }).name === claim.statefulSet);
      const templates = (
        set?.inputs.spec as {
          volumeClaimTemplates: {
            metadata: { name: string };
            spec: { resources: { requests: { storage: string } } };
          }[];
        }
      ).volumeClaimTemplates;
      expect(templates.map((t) => [t.metadata.name, t.spec.resources.requests.storage])).toEqual([
        [claim.template, claim.size],
      ]);
    }
    expect(planned.masters.count).toBe(settings.seaweedfs.masters);
  });

  it("makes every StatefulSet and generated secret wait for the guard, so no refused change reaches one", () => {
    const guard = mocks.resources.find((r) => r.name === "data-shape");
    expect(guard?.type).toBe("pulumi-nodejs:dynamic/vsekai:DataShapeGuard");
    // Generated secrets wait too, so a refused key rotation makes no keys even under up --skip-preview.
    for (const type of ["kubernetes:apps/v1:StatefulSet", "pulumi-nodejs:dynamic/vsekai:GeneratedSecret"]) {
      const waiting = mocks.resources.filter((r) => r.type === type);
      expect(waiting.length, type).toBeGreaterThanOrEqual(2);
      for (const r of waiting) {
        expect(
          r.dependsOn.filter((urn) => urn.endsWith("::data-shape")),
          r.name,
        ).toHaveLength(1);
      }
    }
  });
});
