import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveStackConfig } from "../../../components/config/resolve.ts";
import { VSekaiStack } from "../../../components/stack/component.ts";
import { runPack, type PackConfig, type Violation } from "../../../policies/testing.ts";
import { installMocks, settle, unwrapSecrets, valueOf } from "../harness.ts";
import { COMMITTED_STACKS, REPO, stackFileConfig } from "./stack-files.ts";

// The policy pack over everything each committed stack declares, with that environment's pack config:
// what `pulumi preview --policy-pack policies --policy-pack-config policies/<env>.json` decides, minus the
// engine. The analyzer hands rules plain values (secrets unwrapped), so the recorded inputs are unwrapped,
// and the options it passes (protect, deleteBeforeReplace, parent) come from the registration requests.

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
    opts: { protect: r.protect, deleteBeforeReplace: r.deleteBeforeReplace, parent: r.parent },
  }));
  return runPack(resources, packConfig(env));
}

const summary = (vs: Violation[]) => vs.map((v) => `${v.level} ${v.policy}: ${v.message}`);

it("checks every committed stack file", () => {
  const files = readdirSync(REPO).filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f));
  expect(files.map((f) => f.slice("Pulumi.".length, -".yaml".length)).sort()).toEqual(
    [...COMMITTED_STACKS].sort(),
  );
});

it("checks the HA stack at staging's levels, allowing the images built here too", () => {
  const { "image-allowed-registries": haRegistries, ...ha } = packConfig("ha");
  const { "image-allowed-registries": _stagingRegistries, ...staging } = packConfig("staging");
  expect(ha).toEqual(staging);
  expect(haRegistries).toEqual({ allowedRegistries: ["docker.io/cockroachdb", "vsekai.local"] });
});

describe.each(COMMITTED_STACKS)("the committed %s stack under its policy config", (stack) => {
  it("has no mandatory violation", async () => {
    const found = await violationsFor(stack, stackFileConfig(stack), stack);
    expect(summary(found.filter((v) => v.level === "mandatory"))).toEqual([]);
    // Advisories are allowed; print them so a reviewer sees what the pack would comment on a PR.
    for (const line of summary(found.filter((v) => v.level === "advisory")))
      console.info(`${stack}: ${line}`);
  });
});

describe("a prod stack that turns data protection off", () => {
  it("is stopped by the protection rules, naming every data-holding object", async () => {
    const found = await violationsFor("prod", { ...stackFileConfig("prod"), protectData: false }, "prod");
    const unprotected = (what: string, claims: string) =>
      `mandatory protect-stateful-data: StatefulSet "${what}" keeps data on its claims (${claims}) and is not ` +
      "protected: in prod its replacement (a changed claim template) or deletion (a rename, a removal, " +
      "pulumi destroy) would go ahead; register it with protect (vsekai-infra:protectData: true)";
    expect(summary(found.filter((v) => v.level === "mandatory")).sort()).toEqual([
      'mandatory protect-data-namespace: Namespace "vsekai-prod" holds the data of StatefulSet ' +
        '"vsekai-cockroachdb", StatefulSet "vsekai-seaweedfs-master", StatefulSet "vsekai-seaweedfs-volume" ' +
        "and is not protected: in prod deleting it deletes every claim in it; " +
        "register it with protect (vsekai-infra:protectData: true)",
      unprotected("vsekai-cockroachdb", "datadir"),
      unprotected("vsekai-seaweedfs-master", "data"),
      unprotected("vsekai-seaweedfs-volume", "data"),
    ]);
  });
});

describe("the committed dev stack, unprotected by default", () => {
  it("is not flagged by the protection rules", async () => {
    const found = await violationsFor("dev", stackFileConfig("dev"), "dev");
    expect(found.filter((v) => v.policy.startsWith("protect-"))).toEqual([]);
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
      // prod backs up: the schedule Job is one more cockroach client refused with --insecure.
      'mandatory cockroachdb-insecure: container "backup-schedule" runs cockroach sql with --insecure, not allowed in prod',
    ]);
  });
});
