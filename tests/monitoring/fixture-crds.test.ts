// The live monitoring test's Prometheus against the Prometheus Operator's own CRD schema (v0.85.0, as
// tools/monitoring/operator-crds.sh fetched it), and the Operator's role against the kinds those CRDs
// define: what the API server would refuse or prune, or what the Operator could not watch, shows here
// rather than as a fixture that never becomes ready.
import { describe, expect, it } from "vitest";
import {
  MONITORING_GROUP,
  monitoringImages,
  operatorCrds,
  operatorManifests,
  prometheusResource,
} from "../../tools/stack/monitoring-manifests.ts";
import type * as k8s from "@kubernetes/client-node";
import { crdSchema, schemaProblems } from "./crd-schema.ts";

const crds = process.env.VSEKAI_OPERATOR_CRDS;
if (!crds) {
  throw new Error(
    'VSEKAI_OPERATOR_CRDS is not set: fetch the CRDs with eval "$(bash tools/monitoring/operator-crds.sh --print-env)" (npm test does)',
  );
}

describe("the monitoring fixture against the Operator's CRDs", () => {
  it("declares a Prometheus the API server takes as it is", () => {
    const prometheus = prometheusResource({
      image: monitoringImages().prometheus,
      stackNamespaces: ["vsekai-dev"],
    });
    expect(schemaProblems(crdSchema(crds, "prometheuses"), prometheus)).toEqual([]);
  });

  it("lets the Operator handle every kind of the release's CRDs", () => {
    const role = operatorManifests(monitoringImages()).find(
      (o) => o.kind === "ClusterRole" && o.metadata?.name === "vsekai-harness-prometheus-operator",
    ) as k8s.V1ClusterRole;
    const granted = new Set(
      (role.rules ?? [])
        .filter((r) => r.apiGroups?.includes(MONITORING_GROUP))
        .flatMap((r) => r.resources ?? []),
    );
    const plurals = operatorCrds(crds).map((c) => c.spec.names.plural);
    expect(plurals).toHaveLength(10);
    expect(plurals.filter((p) => !granted.has(p))).toEqual([]);
  });
});
