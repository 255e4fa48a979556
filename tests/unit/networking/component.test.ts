import { describe, expect, it } from "vitest";
import type { NetworkingSettings } from "../../../components/config/types.ts";
import { NetworkPolicies, REASONS_ANNOTATION, StackNetwork } from "../../../components/networking/index.ts";
import type { Flow, Peer } from "../../../components/shared/endpoints.ts";
import { field, installMocks, ofType, one, settle } from "../harness.ts";

const settings: NetworkingSettings = { exposeSql: false, exposeS3: false, ingressNamespace: "ingress-nginx" };
const app: Peer = { name: "uro", selector: { "app.kubernetes.io/component": "server" } };
const db: Peer = { name: "cockroachdb", selector: { "app.kubernetes.io/name": "cockroachdb" } };
const flows: Flow[] = [{ from: app, to: db, ports: [26257], reason: "app queries" }];
const POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

describe("StackNetwork", () => {
  it("creates the namespace with restricted Pod Security enforced", async () => {
    const mocks = installMocks();
    new StackNetwork("network", {
      namespaceName: "vsekai",
      environment: "prod",
      settings,
      instance: "prod",
      protectData: false,
    });
    await settle();
    const ns = one(mocks, "kubernetes:core/v1:Namespace");
    expect(field(ns, "metadata.name")).toBe("vsekai");
    expect(field(ns, "metadata.labels")).toMatchObject({
      "pod-security.kubernetes.io/enforce": "restricted",
      "vsekai.dev/environment": "prod",
    });
  });
});

describe("NetworkPolicies", () => {
  it("declares every planned policy in the namespace with its selectors and reasons", async () => {
    const mocks = installMocks();
    const policies = new NetworkPolicies("policies", {
      namespace: "vsekai",
      instance: "test",
      settings,
      flows,
      app,
      appPorts: [{ name: "api", port: 4000 }],
    });
    await settle();
    const declared = ofType(mocks, POLICY);
    expect(declared.map((p) => field(p, "metadata.name")).sort()).toEqual([...policies.policyNames].sort());
    expect(policies.policyNames).toEqual([
      "vsekai-default-deny",
      "vsekai-allow-dns",
      "vsekai-allow-ingress-to-cockroachdb",
      "vsekai-allow-ingress-to-uro",
      "vsekai-allow-egress-from-uro",
    ]);
    for (const p of declared) expect(field(p, "metadata.namespace")).toBe("vsekai");
    const toDb = one(mocks, POLICY, "allow-ingress-to-cockroachdb");
    expect(field(toDb, "spec.podSelector")).toEqual({ matchLabels: db.selector });
    expect(field(toDb, "spec.ingress.0.from.0.podSelector")).toEqual({ matchLabels: app.selector });
    expect(field(toDb, `metadata.annotations`)).toEqual({ [REASONS_ANNOTATION]: "from uro: app queries" });
    const toApp = one(mocks, POLICY, "allow-ingress-to-uro");
    expect(field(toApp, "spec.ingress.0.ports")).toEqual([{ protocol: "TCP", port: 4000 }]);
    expect(ofType(mocks, "kubernetes:core/v1:Service")).toHaveLength(0);
  });

  it("publishes SQL through a LoadBalancer only when exposeSql is on", async () => {
    const mocks = installMocks();
    new NetworkPolicies("policies", {
      namespace: "vsekai",
      instance: "test",
      settings: { ...settings, exposeSql: true },
      flows,
      sql: { peer: db, port: 26257 },
    });
    await settle();
    const lb = one(mocks, "kubernetes:core/v1:Service", "expose-sql");
    expect(field(lb, "spec")).toEqual({
      type: "LoadBalancer",
      selector: db.selector,
      ports: [{ name: "sql", port: 26257, targetPort: 26257, protocol: "TCP" }],
    });
    expect(field(one(mocks, POLICY, "allow-ingress-to-cockroachdb"), "spec.ingress")).toContainEqual({
      ports: [{ protocol: "TCP", port: 26257 }],
    });
  });
});
