import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  REVISION_IDENTITY,
  keyResourceName,
  revisionKey,
  s3IdentitiesJson,
  scopedActions,
} from "../../../components/seaweedfs/identities.ts";
import { acceptedGenerations } from "../../../components/shared/generations.ts";

interface File {
  identities: { name: string; credentials: { accessKey: string; secretKey: string }[]; actions: string[] }[];
}
const parse = (json: string) => JSON.parse(json) as File;

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
        { name: "revision", credentials: [expect.any(Object)], actions: [] },
      ],
    });
  });

  it("ends with a revision key that changes with any key and is allowed nothing", () => {
    const app = (accessKey: string, secretKey: string, bucket = "uro") => [
      { name: "app", keys: [{ accessKey, secretKey }], bucket },
    ];
    const revision = (json: string) => parse(json).identities.find((i) => i.name === REVISION_IDENTITY);
    fc.assert(
      fc.property(
        fc.tuple(fc.string({ minLength: 1 }), fc.string({ minLength: 1 })),
        fc.tuple(fc.string({ minLength: 1 }), fc.string({ minLength: 1 })),
        ([ak1, sk1], [ak2, sk2]) => {
          const one = revision(s3IdentitiesJson(app(ak1, sk1)));
          const two = revision(s3IdentitiesJson(app(ak2, sk2)));
          expect(one?.actions).toEqual([]);
          expect(one?.credentials[0]?.accessKey).toMatch(/^REV[0-9A-F]{17}$/);
          expect(one?.credentials[0]?.secretKey).toMatch(/^[0-9a-f]{40}$/);
          // The same file gives the same key (no change, no reload); any other key pair, another.
          expect(revision(s3IdentitiesJson(app(ak1, sk1)))).toEqual(one);
          if (ak1 !== ak2 || sk1 !== sk2) expect(two?.credentials).not.toEqual(one?.credentials);
          // It names no key it is derived from.
          const derived = [one?.credentials[0]?.accessKey, one?.credentials[0]?.secretKey];
          expect(derived).not.toContain(sk1);
          expect(derived).not.toContain(ak1);
        },
      ),
    );
    expect(revision(s3IdentitiesJson(app("A", "S", "one")))).not.toEqual(
      revision(s3IdentitiesJson(app("A", "S", "two"))),
    );
    expect(revisionKey("x")).not.toEqual(revisionKey("y"));
  });

  it("keeps the revision marker's name for itself", () => {
    expect(() =>
      s3IdentitiesJson([{ name: "revision", keys: [{ accessKey: "A", secretKey: "S" }], bucket: "uro" }]),
    ).toThrow('S3 identity name "revision" is reserved for the file\'s revision marker');
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
      ["revision", undefined],
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
    expect(acceptedGenerations(0, false)).toEqual([0]);
    expect(acceptedGenerations(0, true)).toEqual([0]);
    expect(acceptedGenerations(1, false)).toEqual([1, 0]);
    expect(acceptedGenerations(1, true)).toEqual([1]);
    expect(acceptedGenerations(7, false)).toEqual([7, 6]);
    expect(() => acceptedGenerations(-1, false)).toThrow(
      "a credential generation is a whole number from 0; got -1",
    );
    expect(() => acceptedGenerations(1.5, false)).toThrow("a whole number from 0; got 1.5");
  });

  it("keeps generation 0 under the names keys had before rotation, so no existing stack's keys change", () => {
    expect(keyResourceName("seaweedfs", "access-key", 0)).toBe("seaweedfs-s3-access-key");
    expect(keyResourceName("seaweedfs", "secret-key", 0)).toBe("seaweedfs-s3-secret-key");
    expect(keyResourceName("seaweedfs", "access-key", 3)).toBe("seaweedfs-s3-access-key-g3");
  });

  it("always hands out the current generation and never accepts more than two, each under its own name", () => {
    fc.assert(
      fc.property(fc.nat(1_000_000), fc.boolean(), (generation, retire) => {
        const accepted = acceptedGenerations(generation, retire);
        expect(accepted[0]).toBe(generation);
        expect(accepted.length).toBeLessThanOrEqual(2);
        expect(accepted.every((g) => g === generation || g === generation - 1)).toBe(true);
        const names = accepted.map((g) => keyResourceName("s", "access-key", g));
        expect(new Set(names).size).toBe(accepted.length);
      }),
    );
  });
});
