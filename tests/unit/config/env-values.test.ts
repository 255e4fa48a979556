import { describe, expect, it } from "vitest";
import { resolveStackConfig } from "../../../components/config/resolve.ts";
import { valueOf } from "../harness.ts";
import { minimalConfig, problems } from "./fixtures.ts";

// `pulumi config set --path 'app.env.FEATURE_X' 1` stores a number and `true` a boolean: both reach the app
// as the text they were typed as. Anything that is not text to begin with is refused, naming the key.

const base = minimalConfig("prod");
const app = base.app as Record<string, unknown>;
const NOT_TEXT =
  "is not allowed: expected a string, number or boolean (env values are passed to the app as text)";

describe("app.env values", () => {
  it("passes numbers and booleans on as text", () => {
    const env = { FEATURE_X: 1, RATIO: 0.25, VERBOSE: true, QUIET: false, NAME: "uro" };
    expect(resolveStackConfig({ ...base, app: { ...app, env } }, "prod").app.env).toEqual({
      FEATURE_X: "1",
      RATIO: "0.25",
      VERBOSE: "true",
      QUIET: "false",
      NAME: "uro",
    });
  });

  it("refuses objects, arrays and null, naming each key", () => {
    const env = { FEATURE_X: { a: 1 }, LIST: [1, 2], NOTHING: null };
    expect(problems({ ...base, app: { ...app, env } })).toEqual([
      `vsekai-infra:app.env.FEATURE_X: {"a":1} ${NOT_TEXT}`,
      `vsekai-infra:app.env.LIST: [1,2] ${NOT_TEXT}`,
      `vsekai-infra:app.env.NOTHING: null ${NOT_TEXT}`,
    ]);
  });

  it("refuses a whole number that JSON parsing already rounded", () => {
    // What the engine hands over for `pulumi config set --path app.env.ID 12345678901234567890`.
    const raw = JSON.parse('{"env":{"ID":12345678901234567890}}') as Record<string, unknown>;
    expect(problems({ ...base, app: { ...app, ...raw } })).toEqual([
      "vsekai-infra:app.env.ID: 12345678901234567000 is not allowed: expected a whole number up to 9007199254740991; a longer one loses digits on the way, so store it as text (`pulumi config set --type string --path …`)",
    ]);
    const largest = { ...base, app: { ...app, env: { ID: Number.MAX_SAFE_INTEGER } } };
    expect(resolveStackConfig(largest, "prod").app.env).toEqual({ ID: "9007199254740991" });
  });
});

describe("appSecretEnv values", () => {
  it("passes numbers and booleans on as text, still secret", async () => {
    const s = resolveStackConfig({ ...base, appSecretEnv: { TURNSTILE_ON: true, SMTP_PORT: 587 } }, "prod");
    expect(s.app.secretEnvNames).toEqual(["TURNSTILE_ON", "SMTP_PORT"]);
    expect(await valueOf(s.app.secretEnv as NonNullable<typeof s.app.secretEnv>)).toEqual({
      TURNSTILE_ON: "true",
      SMTP_PORT: "587",
    });
  });

  it("refuses objects without echoing the value", () => {
    expect(problems({ ...base, appSecretEnv: { OAUTH: { id: "x" } } })).toEqual([
      `vsekai-infra:appSecretEnv.OAUTH: (secret value hidden) ${NOT_TEXT}`,
    ]);
  });
});
