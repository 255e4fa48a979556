import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { policies } from "../rules/index.ts";
import { checkPackConfig, enforcementLevel, runPack, urnOf, type PackConfig } from "../testing.ts";
import {
  appDeployment,
  cockroachInitJob,
  cockroachStatefulSet,
  firstContainer,
  healthyStack,
  modified,
  podSpecOf,
} from "./fixtures.ts";
import type { Props } from "./helpers.ts";

const configFile = (env: string) =>
  JSON.parse(readFileSync(new URL(`../${env}.json`, import.meta.url), "utf8")) as PackConfig;
/** The sentinel the engine sends for a string computed from outputs during preview. */
const UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

describe("the pack", () => {
  it("has unique names and a description saying why for every rule", () => {
    const names = policies.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    for (const p of policies) expect(p.description.length, p.name).toBeGreaterThan(80);
  });

  it.each(["dev", "staging", "prod"])("%s.json names only real rules and settings", (env) => {
    expect(() => checkPackConfig(configFile(env))).not.toThrow();
  });

  it("refuses a config that names no rule or a setting a rule does not have", () => {
    expect(() => checkPackConfig({ "cockroach-min-nodes": "advisory" })).toThrow(
      "config names cockroach-min-nodes, which is not a policy of the pack",
    );
    expect(() => checkPackConfig({ "cockroachdb-min-nodes": { minNodes: 3 } })).toThrow(
      "config for cockroachdb-min-nodes sets minNodes, which its configSchema does not have",
    );
  });

  it("is mandatory everywhere in prod and staging, and advisory for sizing rules in dev", () => {
    const levels = (env: string) =>
      Object.fromEntries(policies.map((p) => [p.name, enforcementLevel(p, configFile(env))]));
    for (const env of ["staging", "prod"]) {
      expect(new Set(Object.values(levels(env)))).toEqual(new Set(["mandatory"]));
    }
    const advisoryInDev = Object.entries(levels("dev"))
      .filter(([, level]) => level === "advisory")
      .map(([name]) => name)
      .sort();
    expect(advisoryInDev).toEqual([
      "cockroachdb-min-nodes",
      "pod-disruption-budget",
      "seaweedfs-master-quorum",
      "seaweedfs-replication",
      "statefulset-spreading",
    ]);
  });
});

describe("runPack", () => {
  it("finds nothing in a production-shaped stack under prod.json", async () => {
    expect(await runPack(healthyStack(), configFile("prod"))).toEqual([]);
  });

  it("reports a one-node insecure CockroachDB in prod exactly", async () => {
    const broken = cockroachStatefulSet({ nodes: 1, tls: false });
    const stack = healthyStack().map((r) => (r.name === broken.name ? broken : r));
    expect(await runPack(stack, configFile("prod"))).toEqual([
      {
        policy: "cockroachdb-min-nodes",
        level: "mandatory",
        message: 'CockroachDB StatefulSet "vsekai-cockroachdb" runs 1 node; prod needs at least 3',
        urn: urnOf(broken),
      },
      {
        policy: "cockroachdb-insecure",
        level: "mandatory",
        message: 'container "cockroachdb" runs cockroach start with --insecure, not allowed in prod',
        urn: urnOf(broken),
      },
    ]);
  });

  it("lets dev run one insecure node, and only advises about a missing budget there", async () => {
    const dev = [cockroachStatefulSet({ nodes: 1, tls: false }), cockroachInitJob(false), appDeployment(2)];
    const found = await runPack(dev, configFile("dev"));
    expect(found.map((v) => [v.policy, v.level, v.message])).toEqual([
      [
        "pod-disruption-budget",
        "advisory",
        'Deployment "vsekai-uro" runs 2 pods but no PodDisruptionBudget selects them',
      ],
      [
        "namespace-default-deny",
        "mandatory",
        'namespace "vsekai-prod" has no default-deny NetworkPolicy for ingress and egress',
      ],
    ]);
  });

  it("remediates before validating at level remediate, and skips disabled rules", async () => {
    const bare = modified(appDeployment(), (p) => {
      delete (podSpecOf(p).securityContext as Props).seccompProfile;
      delete (firstContainer(p).securityContext as Props).seccompProfile;
    });
    const stack = healthyStack().map((r) => (r.name === bare.name ? bare : r));
    expect(await runPack(stack, { "pod-seccomp-runtime-default": "remediate" })).toEqual([]);
    expect(await runPack(stack, { "pod-seccomp-runtime-default": "disabled" })).toEqual([]);
    expect((await runPack(stack, {})).map((v) => v.message)).toEqual([
      'container "uro" runs without a seccomp profile (set seccompProfile.type RuntimeDefault)',
    ]);
  });

  it("skips a value unknown in preview where a rule can, and reports the engine's advisory where it cannot", async () => {
    const previewed = modified(appDeployment(), (p) => {
      firstContainer(p).image = UNKNOWN_STRING;
      (firstContainer(p).securityContext as Props).runAsUser = UNKNOWN_STRING;
    });
    const stack = healthyStack().map((r) => (r.name === previewed.name ? previewed : r));
    expect(await runPack(stack, configFile("prod"))).toEqual([
      {
        policy: "pod-run-as-non-root",
        level: "advisory",
        message:
          "can't run policy 'pod-run-as-non-root' during preview: string value at .spec.template.spec.containers.0.securityContext.runAsUser can't be known during preview",
        urn: urnOf(previewed),
      },
    ]);
  });
});
