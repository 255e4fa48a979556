import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveStackConfig } from "../../../components/config/resolve.ts";
import { VSekaiStack } from "../../../components/stack/component.ts";
import { runPack, type PackConfig, type Violation } from "../../../policies/testing.ts";
import { installMocks, settle, unwrapSecrets, valueOf } from "../harness.ts";
import { REPO, stackFileConfig } from "./stack-files.ts";

// The policy pack over everything each committed stack declares, with that environment's pack config:
// what `pulumi preview --policy-pack policies --policy-pack-config policies/<env>.json` decides, minus the
// engine. The analyzer hands rules plain values (secrets unwrapped), so the recorded inputs are unwrapped.

function packConfig(environment: string): PackConfig {
  return JSON.parse(readFileSync(join(REPO, "policies", `${environment}.json`), "utf8")) as PackConfig;
}

async function violationsFor(stack: string, raw: Record<string, unknown>, env: string): Promise<Violation[]> {
  const mocks = installMocks("vsekai-infra", stack);
  const component = new VSekaiStack("vsekai", resolveStackConfig(raw, stack));
  await valueOf(component.appUrl);
  await settle();
  const resources = mocks.resources.map((r) => ({
    type: r.type,
    name: r.name,
    props: unwrapSecrets(r.inputs) as Record<string, unknown>,
  }));
  return runPack(resources, packConfig(env));
}

const summary = (vs: Violation[]) => vs.map((v) => `${v.level} ${v.policy}: ${v.message}`);

describe.each(["dev", "staging", "prod"])("the committed %s stack under its policy config", (stack) => {
  it("has no mandatory violation", async () => {
    const found = await violationsFor(stack, stackFileConfig(stack), stack);
    expect(summary(found.filter((v) => v.level === "mandatory"))).toEqual([]);
    // Advisories are allowed; print them so a reviewer sees what the pack would comment on a PR.
    for (const line of summary(found.filter((v) => v.level === "advisory")))
      console.info(`${stack}: ${line}`);
  });
});

describe("a deliberately broken prod stack", () => {
  it("is stopped by exactly the rules it breaks", async () => {
    const raw = stackFileConfig("prod");
    const broken = { ...raw, cockroach: { nodes: 1, tls: false } };
    const found = await violationsFor("prod", broken, "prod");
    expect(summary(found.filter((v) => v.level === "mandatory"))).toEqual([
      'mandatory cockroachdb-min-nodes: CockroachDB StatefulSet "vsekai-cockroachdb" runs 1 node; prod needs at least 3',
      'mandatory cockroachdb-insecure: container "cockroachdb" runs cockroach start with --insecure, not allowed in prod',
      'mandatory cockroachdb-insecure: container "init" runs cockroach init with --insecure, not allowed in prod',
      'mandatory cockroachdb-insecure: container "init" runs cockroach sql with --insecure, not allowed in prod',
    ]);
  });
});
