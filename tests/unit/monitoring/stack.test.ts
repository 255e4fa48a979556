import { describe, expect, it } from "vitest";
import { VSekaiStack } from "../../../components/stack/component.ts";
import { field, installMocks, ofType, one, settle, valueOf, type Recorded } from "../harness.ts";
import { stackSettings } from "../../monitoring/fixture.ts";

// The whole stack with monitoring on, under mocks: what monitoring declares must meet what the systems
// declare (pods, ports) and the NetworkPolicies must let the scraper in on exactly those ports.

type Labels = Record<string, string>;
const POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const WORKLOADS = ["kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet"];

interface ContainerPorts {
  containers: { ports?: { containerPort: number }[] }[];
}

async function deploy(monitoring: Record<string, unknown>) {
  const mocks = installMocks("vsekai-infra", "prod");
  const stack = new VSekaiStack("vsekai", stackSettings("prod", { monitoring }));
  await valueOf(stack.appUrl);
  await settle();
  return mocks;
}

function selects(selector: Labels, labels: Labels): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

function scraperRules(policy: Recorded): { ports: { port: number }[] }[] {
  const rules = field<
    { from?: { namespaceSelector?: { matchLabels: Labels } }[]; ports: { port: number }[] }[] | undefined
  >(policy, "spec.ingress");
  return (rules ?? []).filter((r) =>
    r.from?.some((f) => f.namespaceSelector?.matchLabels["kubernetes.io/metadata.name"] === "monitoring"),
  );
}

describe("a stack with monitoring", () => {
  it("points every metrics Service at pods whose containers listen on its port", async () => {
    const mocks = await deploy({ mode: "operator", scraperNamespace: "monitoring" });
    const metrics = ofType(mocks, "kubernetes:core/v1:Service").filter((s) =>
      field<string>(s, "metadata.name").endsWith("-metrics"),
    );
    expect(metrics).toHaveLength(6);
    const workloads = mocks.resources.filter((r) => WORKLOADS.includes(r.type));
    for (const service of metrics) {
      const selector = field<Labels>(service, "spec.selector");
      const port = field<{ port: number }[]>(service, "spec.ports")[0]?.port;
      const matching = workloads.filter((w) =>
        selects(selector, field<Labels>(w, "spec.template.metadata.labels")),
      );
      expect(matching, field(service, "metadata.name")).toHaveLength(1);
      const spec = field<ContainerPorts>(matching[0] as Recorded, "spec.template.spec");
      const listening = spec.containers.flatMap((c) => (c.ports ?? []).map((p) => p.containerPort));
      expect(listening, field(service, "metadata.name")).toContain(port);
    }
  });

  it("lets the scraper's namespace reach the metrics port of each system and nothing more", async () => {
    const mocks = await deploy({ mode: "operator", scraperNamespace: "monitoring" });
    const expected: [string, number][] = [
      ["cockroachdb", 8080],
      ["seaweedfs-master", 9327],
      ["seaweedfs-volume", 9327],
      ["seaweedfs-filer", 9327],
      ["seaweedfs-s3", 9327],
      ["uro", 4000],
    ];
    for (const [peer, port] of expected) {
      const policy = one(mocks, POLICY, `allow-ingress-to-${peer}`);
      expect(scraperRules(policy), peer).toEqual([
        expect.objectContaining({ ports: [{ protocol: "TCP", port }] }),
      ]);
    }
    const opened = ofType(mocks, POLICY).flatMap(scraperRules);
    expect(opened).toHaveLength(expected.length);
  });

  it("adds nothing, and opens nothing, with monitoring off", async () => {
    const mocks = await deploy({});
    expect(mocks.resources.some((r) => r.type.startsWith("vsekai:monitoring"))).toBe(false);
    expect(
      ofType(mocks, "kubernetes:core/v1:Service").some((s) =>
        field<string>(s, "metadata.name").endsWith("-metrics"),
      ),
    ).toBe(false);
    expect(ofType(mocks, POLICY).flatMap(scraperRules)).toEqual([]);
  });
});
