import { describe, expect, it } from "vitest";
import { s3IdentitiesJson, scopedActions } from "../../../components/seaweedfs/identities.ts";

describe("S3 identities", () => {
  it("gives the app read, write, list and tagging on its bucket only", () => {
    const file = JSON.parse(
      s3IdentitiesJson([{ name: "app", accessKey: "AK", secretKey: "SK", bucket: "uro" }]),
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
        { name: "a", accessKey: "A1", secretKey: "S1", bucket: "one" },
        { name: "b", accessKey: "A2", secretKey: "S2", bucket: "two" },
      ]),
    ) as { identities: { name: string; actions: string[] }[] };
    expect(file.identities.map((i) => [i.name, i.actions[0]])).toEqual([
      ["a", "Read:one"],
      ["b", "Read:two"],
    ]);
  });

  it("refuses a file that would switch authentication off or hold an empty key", () => {
    expect(() => s3IdentitiesJson([])).toThrow("with none it would allow anonymous access");
    expect(() => s3IdentitiesJson([{ name: "app", accessKey: "", secretKey: "S", bucket: "uro" }])).toThrow(
      'S3 identity "app" has an empty access key or secret key',
    );
  });
});
