import { describe, expect, it } from "vitest";
import { stackViolations, urnOf } from "../testing.ts";
import {
  APP_SELECTOR,
  COCKROACH_SELECTOR,
  DEFAULT_DENY_SPEC,
  healthyStack,
  ingress,
  namespace,
  networkPolicy,
  NS,
  seaweedMaster,
  service,
  TYPES,
} from "./fixtures.ts";
import { rule } from "./helpers.ts";

const withoutPolicies = () => healthyStack().filter((r) => r.type !== TYPES.networkPolicy);

describe("namespace-default-deny", () => {
  it("passes the healthy stack", async () => {
    expect(await stackViolations(rule("namespace-default-deny"), healthyStack())).toEqual([]);
  });

  it("fires on a namespace without one, at the Namespace resource", async () => {
    expect(await stackViolations(rule("namespace-default-deny"), withoutPolicies())).toEqual([
      {
        message: `namespace "${NS}" has no default-deny NetworkPolicy for ingress and egress`,
        urn: urnOf(namespace()),
      },
    ]);
  });

  it("does not count a policy that allows something or selects some pods", async () => {
    const ingressOnly = networkPolicy("deny-in", { podSelector: {}, policyTypes: ["Ingress"] });
    const allowsDns = networkPolicy("dns", {
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [{ ports: [{ port: 53 }] }],
    });
    const partial = networkPolicy("partial", {
      ...DEFAULT_DENY_SPEC,
      podSelector: { matchLabels: APP_SELECTOR },
    });
    const found = await stackViolations(rule("namespace-default-deny"), [
      ...withoutPolicies(),
      ingressOnly,
      allowsDns,
      partial,
    ]);
    expect(found.map((v) => v.message)).toEqual([
      `namespace "${NS}" has no default-deny NetworkPolicy for egress`,
    ]);
  });

  it("checks namespaces that only workloads name", async () => {
    const elsewhere = {
      ...seaweedMaster(),
      props: { ...seaweedMaster().props, metadata: { name: "m", namespace: "other" } },
    };
    const found = await stackViolations(rule("namespace-default-deny"), [...healthyStack(), elsewhere]);
    expect(found).toEqual([
      {
        message: 'namespace "other" has no default-deny NetworkPolicy for ingress and egress',
        urn: undefined,
      },
    ]);
  });
});

describe("no-internal-exposure", () => {
  it("passes the healthy stack (ClusterIP databases, Ingress to the app's api port)", async () => {
    expect(await stackViolations(rule("no-internal-exposure"), healthyStack())).toEqual([]);
  });

  it("fires on SQL behind a LoadBalancer, by port and by named target port", async () => {
    const lb = service(
      "vsekai-sql-external",
      COCKROACH_SELECTOR,
      [{ name: "sql", port: 5432, targetPort: "sql" }],
      "LoadBalancer",
    );
    expect(await stackViolations(rule("no-internal-exposure"), [...healthyStack(), lb])).toEqual([
      {
        message:
          'Service "vsekai-sql-external" (LoadBalancer) exposes port 26257, an internal port (CockroachDB SQL and node-to-node gRPC)',
        urn: urnOf(lb),
      },
    ]);
  });

  it("fires on a NodePort on a SeaweedFS master port", async () => {
    const masterSelector = { "app.kubernetes.io/component": "master" };
    const np = service("weed", masterSelector, [{ name: "http", port: 9333 }], "NodePort");
    const found = await stackViolations(rule("no-internal-exposure"), [...healthyStack(), np]);
    expect(found.map((v) => v.message)).toEqual([
      'Service "weed" (NodePort) exposes port 9333, an internal port (SeaweedFS master)',
    ]);
  });

  it("fires on an Ingress to the filer, by port and by the pods it serves", async () => {
    const filerPods = {
      ...seaweedMaster(),
      name: "seaweedfs-filer",
      props: structuredClone(seaweedMaster().props),
    };
    const spec = filerPods.props.spec as {
      template: { metadata: { labels: Record<string, string> }; spec: { containers: { args: string[] }[] } };
    };
    spec.template.metadata.labels = { app: "filer" };
    for (const c of spec.template.spec.containers) c.args = ["-logtostderr=true", "filer", "-port=8888"];
    const filerService = service("filer", { app: "filer" }, [{ name: "http", port: 8888 }]);
    const route = ingress("files", "filer", { number: 8888 });
    const found = await stackViolations(rule("no-internal-exposure"), [filerPods, filerService, route]);
    expect(found).toEqual([
      {
        message: 'Ingress "files" routes to Service "filer" on port 8888, an internal port (SeaweedFS filer)',
        urn: urnOf(route),
      },
      {
        message: 'Ingress "files" routes to Service "filer", which serves SeaweedFS filer pods',
        urn: urnOf(route),
      },
    ]);
  });

  it("takes the forbidden ports from config", async () => {
    const lb = service("vsekai-uro-lb", APP_SELECTOR, [{ name: "api", port: 4000 }], "LoadBalancer");
    const config = { "no-internal-exposure": { forbiddenPorts: [4000] } };
    const found = await stackViolations(rule("no-internal-exposure"), [...healthyStack(), lb], config);
    expect(found.map((v) => v.message)).toEqual([
      'Service "vsekai-uro-lb" (LoadBalancer) exposes port 4000, an internal port (configured)',
      'Ingress "vsekai-uro" routes to Service "vsekai-uro" on port 4000, an internal port (configured)',
    ]);
  });
});

describe("service-selects-pods", () => {
  it("passes the healthy stack and Services without a selector", async () => {
    const manual = service("external-db", undefined, [{ name: "sql", port: 5432 }]);
    expect(await stackViolations(rule("service-selects-pods"), [...healthyStack(), manual])).toEqual([]);
  });

  it("fires on a Service whose selector matches no pod template", async () => {
    const typo = service("vsekai-uro-typo", { ...APP_SELECTOR, "app.kubernetes.io/component": "sever" }, [
      { name: "api", port: 4000 },
    ]);
    expect(await stackViolations(rule("service-selects-pods"), [...healthyStack(), typo])).toEqual([
      {
        message:
          'Service "vsekai-uro-typo" selects app.kubernetes.io/component=sever,app.kubernetes.io/instance=prod,' +
          "app.kubernetes.io/name=uro, which matches no pod template in its namespace",
        urn: urnOf(typo),
      },
    ]);
  });
});
