// The stack's ServiceMonitors and PrometheusRules against the Prometheus Operator's own CRD schemas
// (v0.85.0, fetched from its Go module by tools/monitoring/operator-crds.sh): what the API server would
// refuse, and what it would silently prune, is caught here before any cluster sees it.
import { describe, expect, it } from "vitest";
import { StackMonitoring } from "../../components/monitoring/index.ts";
import { installMocks, ofType, settle } from "../unit/harness.ts";
import { crdSchema, schemaProblems } from "./crd-schema.ts";
import { monitoredFrom, stackSettings } from "./fixture.ts";

const crds = process.env.VSEKAI_OPERATOR_CRDS;
if (!crds) {
  throw new Error(
    'VSEKAI_OPERATOR_CRDS is not set: fetch the CRDs with eval "$(bash tools/monitoring/operator-crds.sh --print-env)" (npm test does)',
  );
}
const schemas = {
  ServiceMonitor: crdSchema(crds, "servicemonitors"),
  PrometheusRule: crdSchema(crds, "prometheusrules"),
};

async function operatorObjects(environment: "dev" | "prod", extra: Record<string, unknown> = {}) {
  const mocks = installMocks("vsekai-infra", environment);
  const monitoring = {
    mode: "operator",
    scraperNamespace: "monitoring",
    labels: { release: "kube-prometheus-stack" },
    kubeStateMetrics: true,
    ...(environment === "dev" ? { maxAlertFor: "30s" } : {}),
  };
  const stack = monitoredFrom(stackSettings(environment, { monitoring, ...extra }));
  new StackMonitoring("monitoring", { namespace: stack.namespace, stack });
  await settle();
  return [
    ...ofType(mocks, "kubernetes:monitoring.coreos.com/v1:ServiceMonitor"),
    ...ofType(mocks, "kubernetes:monitoring.coreos.com/v1:PrometheusRule"),
  ].map((r) => r.inputs as { kind: keyof typeof schemas; metadata: { name: string } });
}

describe("Prometheus Operator objects against the Operator's CRDs", () => {
  it.each([
    ["prod", {}],
    ["dev", {}],
    ["dev", { cockroach: { tls: false } }],
  ] as const)("the %s stack's objects (%j) are valid as the API server reads them", async (env, extra) => {
    const objects = await operatorObjects(env, extra);
    expect(objects.filter((o) => o.kind === "ServiceMonitor")).toHaveLength(6);
    expect(objects.filter((o) => o.kind === "PrometheusRule")).toHaveLength(4);
    for (const object of objects) {
      expect(schemaProblems(schemas[object.kind], object), `${object.kind} ${object.metadata.name}`).toEqual(
        [],
      );
    }
  });

  it("the checker refuses what the API server would refuse or prune (it is not a rubber stamp)", () => {
    const monitor = {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "ServiceMonitor",
      metadata: { name: "x" },
      spec: {
        selector: { matchLabels: { a: "b" } },
        endpoints: [{ port: "metrics", scheme: "ftp", tlsConfig: { cafile: "/ca.crt" } }],
      },
    };
    expect(schemaProblems(schemas.ServiceMonitor, monitor)).toEqual([
      'spec.endpoints[0].scheme: "ftp" is not one of ["http","https"]',
      "spec.endpoints[0].tlsConfig.cafile: unknown field (the API server would prune it)",
    ]);
    const rule = {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "PrometheusRule",
      metadata: { name: "x" },
      spec: { groups: [{ name: "g", rules: [{ alert: "A", expr: "up == 0", for: "5 minutes" }] }] },
    };
    expect(schemaProblems(schemas.PrometheusRule, rule)).toEqual([
      expect.stringMatching(/^spec\.groups\[0\]\.rules\[0\]\.for: "5 minutes" does not match /),
    ]);
    expect(schemaProblems(schemas.PrometheusRule, { ...rule, spec: { groups: [{ rules: [] }] } })).toEqual([
      "spec.groups[0].name: required",
    ]);
  });
});
