import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveStackConfig } from "../../../components/config/resolve.ts";
import { VSekaiStack } from "../../../components/stack/component.ts";
import { runPack, type PackConfig } from "../../../policies/testing.ts";
import { installMocks, settle, unwrapSecrets, valueOf } from "../harness.ts";
import { REPO, stackFileConfig } from "../stack/stack-files.ts";

// The committed prod stack with monitoring switched on, under prod's policy config: the metrics Services,
// ServiceMonitors, PrometheusRules and ConfigMaps must pass the same pack as everything else.

describe.each(["annotations", "operator"])("the prod stack with monitoring.mode %s", (mode) => {
  it("has no violation at all", async () => {
    const mocks = installMocks("vsekai-infra", "prod");
    const raw = { ...stackFileConfig("prod"), monitoring: { mode, scraperNamespace: "monitoring" } };
    const stack = new VSekaiStack("vsekai", resolveStackConfig(raw, "prod"));
    await valueOf(stack.appUrl);
    await settle();
    expect(mocks.resources.some((r) => r.name.endsWith("-metrics"))).toBe(true);
    const config = JSON.parse(readFileSync(join(REPO, "policies", "prod.json"), "utf8")) as PackConfig;
    const violations = await runPack(
      mocks.resources.map((r) => ({
        type: r.type,
        name: r.name,
        props: unwrapSecrets(r.inputs) as Record<string, unknown>,
        opts: { protect: r.protect, deleteBeforeReplace: r.deleteBeforeReplace, parent: r.parent },
      })),
      config,
    );
    expect(violations.map((v) => `${v.level} ${v.policy}: ${v.message}`)).toEqual([]);
  });
});
