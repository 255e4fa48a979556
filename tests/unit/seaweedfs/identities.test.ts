import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  acceptedKeyGenerations,
  keyResourceName,
  s3IdentitiesJson,
  scopedActions,
} from "../../../components/seaweedfs/identities.ts";

describe("S3 identities", () => {
  it("gives the app read, write, list and tagging on its bucket only", () => {
    const file = JSON.parse(
      s3IdentitiesJson([{ name: "app", keys: [{ accessKey: "AK", secretKey: "SK" }], bucket: "uro" }]),
    ) as unknown;
    expect(file).toEqual({
      identities: [
        {
          name: "app",
          credentials: [{ accessKey: "AK", secretKey: "SK" }],
          actions: ["Read:uro", "Write:uro", "List:uro", "Tagging:uro"],
        },
      ],
    });
  });

  it("never grants Admin or an unscoped action", () => {
    const actions = scopedActions("media.v-sekai");
    expect(actions.every((a) => a.endsWith(":media.v-sekai"))).toBe(true);
    expect(actions.some((a) => a.startsWith("Admin"))).toBe(false);
  });

  it("keeps each identity to its own bucket", () => {
    const file = JSON.parse(
      s3IdentitiesJson([
        { name: "a", keys: [{ accessKey: "A1", secretKey: "S1" }], bucket: "one" },
        { name: "b", keys: [{ accessKey: "A2", secretKey: "S2" }], bucket: "two" },
      ]),
    ) as { identities: { name: string; actions: string[] }[] };
    expect(file.identities.map((i) => [i.name, i.actions[0]])).toEqual([
      ["a", "Read:one"],
      ["b", "Read:two"],
    ]);
  });

  it("refuses a file that would switch authentication off or hold an empty key", () => {
    expect(() => s3IdentitiesJson([])).toThrow("with none it would allow anonymous access");
    expect(() =>
      s3IdentitiesJson([{ name: "app", keys: [{ accessKey: "", secretKey: "S" }], bucket: "uro" }]),
    ).toThrow('S3 identity "app" has no key, or an empty access key or secret key');
    expect(() => s3IdentitiesJson([{ name: "app", keys: [], bucket: "uro" }])).toThrow(
      'S3 identity "app" has no key, or an empty access key or secret key',
    );
    const twice = { accessKey: "AK", secretKey: "SK" };
    expect(() => s3IdentitiesJson([{ name: "app", keys: [twice, twice], bucket: "uro" }])).toThrow(
      'S3 identity "app" lists one access key twice',
    );
  });

  it("accepts every key of a rotation's window for the one identity, the one handed out first", () => {
    const file = JSON.parse(
      s3IdentitiesJson([
        {
          name: "app",
          keys: [
            { accessKey: "NEW", secretKey: "NS" },
            { accessKey: "OLD", secretKey: "OS" },
          ],
          bucket: "uro",
        },
      ]),
    ) as { identities: { credentials: unknown[] }[] };
    expect(file.identities[0]?.credentials).toEqual([
      { accessKey: "NEW", secretKey: "NS" },
      { accessKey: "OLD", secretKey: "OS" },
    ]);
  });
});

describe("S3 key generations", () => {
  it("accepts the generation before the current one until it is retired; generation 0 has none before it", () => {
    expect(acceptedKeyGenerations(0, false)).toEqual([0]);
    expect(acceptedKeyGenerations(0, true)).toEqual([0]);
    expect(acceptedKeyGenerations(1, false)).toEqual([1, 0]);
    expect(acceptedKeyGenerations(1, true)).toEqual([1]);
    expect(acceptedKeyGenerations(7, false)).toEqual([7, 6]);
    expect(() => acceptedKeyGenerations(-1, false)).toThrow("a whole number from 0; got -1");
    expect(() => acceptedKeyGenerations(1.5, false)).toThrow("a whole number from 0; got 1.5");
  });

  it("keeps generation 0 under the names keys had before rotation, so no existing stack's keys change", () => {
    expect(keyResourceName("seaweedfs", "access-key", 0)).toBe("seaweedfs-s3-access-key");
    expect(keyResourceName("seaweedfs", "secret-key", 0)).toBe("seaweedfs-s3-secret-key");
    expect(keyResourceName("seaweedfs", "access-key", 3)).toBe("seaweedfs-s3-access-key-g3");
  });

  it("always hands out the current generation and never accepts more than two, each under its own name", () => {
    fc.assert(
      fc.property(fc.nat(1_000_000), fc.boolean(), (generation, retire) => {
        const accepted = acceptedKeyGenerations(generation, retire);
        expect(accepted[0]).toBe(generation);
        expect(accepted.length).toBeLessThanOrEqual(2);
        expect(accepted.every((g) => g === generation || g === generation - 1)).toBe(true);
        const names = accepted.map((g) => keyResourceName("s", "access-key", g));
        expect(new Set(names).size).toBe(accepted.length);
      }),
    );
  });
});
