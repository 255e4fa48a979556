import { beforeAll, describe, expect, it } from "vitest";
import { resolveStackConfig } from "../../../components/config/resolve.ts";
import { VSekaiStack } from "../../../components/stack/component.ts";
import { installMocks, secretKeys, settle, valueOf, type MockState, type Recorded } from "../harness.ts";
import { COMMITTED_STACKS, stackFileConfig } from "./stack-files.ts";

// The whole program per committed stack file, under mocks: checks that hold across components, where
// one system's names must match another's (selectors, secret references, ports).

type Labels = Record<string, string>;

function podTemplateLabels(r: Recorded): Labels | undefined {
  const spec = r.inputs.spec as
    { template?: { metadata?: { labels?: Labels } }; jobTemplate?: unknown } | undefined;
  return spec?.template?.metadata?.labels;
}

function selects(selector: Labels, labels: Labels): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

function secretKeyRefs(value: unknown): { name: string; key: string }[] {
  if (Array.isArray(value)) return value.flatMap(secretKeyRefs);
  if (value === null || typeof value !== "object") return [];
  const found: { name: string; key: string }[] = [];
  for (const [k, v] of Object.entries(value)) {
    if (k === "secretKeyRef") found.push(v as { name: string; key: string });
    else found.push(...secretKeyRefs(v));
  }
  return found;
}

const WORKLOADS = [
  "kubernetes:apps/v1:Deployment",
  "kubernetes:apps/v1:StatefulSet",
  "kubernetes:batch/v1:Job",
];

describe.each(COMMITTED_STACKS)("the %s stack", (stack) => {
  let mocks: MockState;
  let stackComponent: VSekaiStack;

  beforeAll(async () => {
    mocks = installMocks("vsekai-infra", stack);
    stackComponent = new VSekaiStack("vsekai", resolveStackConfig(stackFileConfig(stack), stack));
    await valueOf(stackComponent.appUrl);
    await settle();
  });

  it("declares every kind of object the stack needs", () => {
    const types = new Set(mocks.resources.map((r) => r.type));
    for (const t of [
      "kubernetes:core/v1:Namespace",
      "kubernetes:apps/v1:StatefulSet",
      "kubernetes:apps/v1:Deployment",
      "kubernetes:batch/v1:Job",
      "kubernetes:core/v1:Service",
      "kubernetes:core/v1:Secret",
      "kubernetes:policy/v1:PodDisruptionBudget",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    ]) {
      expect(types, t).toContain(t);
    }
  });

  it("has every Service select the pods of some workload", () => {
    const podLabels = mocks.resources.filter((r) => WORKLOADS.includes(r.type)).map(podTemplateLabels);
    for (const svc of mocks.resources.filter((r) => r.type === "kubernetes:core/v1:Service")) {
      const selector = (svc.inputs.spec as { selector?: Labels }).selector;
      expect(selector, `${svc.name} has a selector`).toBeDefined();
      expect(
        podLabels.some((labels) => labels && selects(selector ?? {}, labels)),
        `${svc.name} selects ${JSON.stringify(selector)}`,
      ).toBe(true);
    }
  });

  it("skips the Service await only where a workload's own await already covers it", () => {
    const services = mocks.resources.filter((r) => r.type === "kubernetes:core/v1:Service");
    for (const svc of services) {
      const spec = svc.inputs.spec as { type?: string; clusterIP?: string };
      const skipped =
        (svc.inputs.metadata as { annotations?: Labels }).annotations?.["pulumi.com/skipAwait"] === "true";
      // Headless Services are never awaited by the provider; LoadBalancers are, for their address.
      const expected = spec.type === "ClusterIP" && spec.clusterIP !== "None";
      expect(skipped, `${svc.name} (${spec.type ?? "ClusterIP"}, clusterIP ${spec.clusterIP ?? "-"})`).toBe(
        expected,
      );
    }
    expect(services.some((svc) => (svc.inputs.spec as { type?: string }).type === "ClusterIP")).toBe(true);
  });

  it("references only Secrets it declares, by keys they hold, or the one backup.credentialsSecret names", () => {
    const secrets = new Map<string, string[]>();
    // Someone else's Secret by design (the stack never holds those keys): only its two key names are known.
    const external = (stackFileConfig(stack).backup as { credentialsSecret?: string } | undefined)
      ?.credentialsSecret;
    if (external !== undefined) secrets.set(external, ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]);
    for (const s of mocks.resources.filter((r) => r.type === "kubernetes:core/v1:Secret")) {
      const meta = s.inputs.metadata as { name: string };
      secrets.set(meta.name, secretKeys(s));
    }
    const refs = mocks.resources
      .filter((r) => WORKLOADS.includes(r.type))
      .flatMap((r) => secretKeyRefs(r.inputs));
    expect(refs.length).toBeGreaterThan(0);
    for (const { name, key } of refs) {
      expect(secrets.has(name), `Secret ${name} is declared`).toBe(true);
      expect(secrets.get(name), `Secret ${name} holds ${key}`).toContain(key);
    }
  });

  it("exports credentials only as secrets", async () => {
    const { isSecret } = await import("@pulumi/pulumi");
    expect(await isSecret(stackComponent.databaseUrl)).toBe(true);
    expect(await isSecret(stackComponent.s3SecretAccessKey)).toBe(true);
  });
});
