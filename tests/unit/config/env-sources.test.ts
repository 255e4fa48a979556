import { describe, expect, it } from "vitest";
import { resolveStackConfig } from "../../../components/config/resolve.ts";
import { minimalConfig, problems } from "./fixtures.ts";

// A variable set by two sources is refused: Kubernetes keeps the last of two env entries of one name (with
// a warning only), so the other source would be silently overridden.

const base = minimalConfig("prod");
const app = base.app as Record<string, unknown>;
const ports = [
  { name: "api", port: 4000, envVar: "PORT" },
  { name: "web", port: 4001, envVar: "PORT" },
];

describe("one source per app variable", () => {
  it("refuses two ports announcing their number in one variable", () => {
    expect(problems({ ...base, app: { ...app, ports } })).toEqual([
      'vsekai-infra:app.ports[1].envVar: "PORT" is not allowed: app.ports[0] already sets it; each variable has one source',
    ]);
  });

  it.each<[string, Record<string, unknown>, string]>([
    [
      "a variable the stack sets",
      { generatedSecrets: ["DATABASE_URL"] },
      "the stack sets that variable itself",
    ],
    ["a port variable", { generatedSecrets: ["WEB_PORT"] }, "app.ports[1] sets it"],
    ["a plain variable", { generatedSecrets: ["BUILD_ID"], env: { BUILD_ID: "x" } }, "app.env sets it too"],
  ])("refuses a generated secret that is also %s", (_what, extra, other) => {
    const name = (extra.generatedSecrets as string[])[0] as string;
    expect(problems({ ...base, app: { ...app, ...extra } })).toEqual([
      `vsekai-infra:app.generatedSecrets[0]: ${JSON.stringify(name)} is not allowed: ${other}; each variable has one source`,
    ]);
  });

  it("accepts the secrets the app always generates listed again, next to others", () => {
    const generatedSecrets = ["SECRET_KEY_BASE", "JOKEN_SIGNER", "RELEASE_COOKIE"];
    const s = resolveStackConfig({ ...base, app: { ...app, generatedSecrets } }, "prod");
    expect(s.app.generatedSecrets).toEqual(generatedSecrets);
  });
});
