import { readFileSync, writeFileSync } from "node:fs";
import { testTempDir } from "../tempdir.ts";
import { join } from "node:path";
import type * as k8s from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { monitoringProblems, monitoringSchema } from "../../../components/config/monitoring.ts";
import {
  EVALUATION_INTERVAL,
  FIXTURE_SELECTOR_LABELS,
  fixtureMonitoringSettings,
  MONITORING_NAMESPACE,
  monitoringImages,
  operatorCrds,
  operatorManifests,
  prometheusResource,
  prometheusVersion,
  SCRAPE_INTERVAL,
} from "../../../tools/stack/monitoring-manifests.ts";
import { ingressControllerManifests } from "../../../tools/stack/ingress-controller.ts";

// The live monitoring test's fixture, as manifests: the Operator and the Prometheus it runs must pass the
// restricted pod security level, select exactly what the stack labels for them, and run the images
// tools/images builds at the versions tools/monitoring pins.

const REPO = join(import.meta.dirname, "..", "..", "..");
const images = monitoringImages();
const manifests = operatorManifests(images);
const byKind = (kind: string) => manifests.filter((o) => o.kind === kind);
const prometheus = prometheusResource({ image: images.prometheus, stackNamespaces: ["vsekai-dev"] });
const spec = prometheus.spec as Record<string, unknown>;

function pinned(file: string, variable: string): string {
  const value = new RegExp(`^${variable}="?([^"\\s]+)"?$`, "m").exec(
    readFileSync(join(REPO, file), "utf8"),
  )?.[1];
  if (value === undefined) throw new Error(`${file} has no ${variable}`);
  return value;
}

describe("the monitoring fixture's images", () => {
  it("are the three versions.env names, tagged with the releases tools/monitoring/versions.sh builds", () => {
    const operatorRelease = pinned("tools/monitoring/versions.sh", "PROMETHEUS_OPERATOR_VERSION").slice(1);
    expect(images).toEqual({
      prometheus: `vsekai.local/prometheus:${pinned("tools/monitoring/versions.sh", "PROMETHEUS_VERSION")}`,
      operator: `vsekai.local/prometheus-operator:${operatorRelease}`,
      reloader: `vsekai.local/prometheus-config-reloader:${operatorRelease}`,
    });
  });

  it("refuses a versions file that names none, saying which variable is missing", () => {
    const file = join(testTempDir("vsekai-versions-"), "versions.env");
    writeFileSync(file, "PROMETHEUS_IMAGE=vsekai.local/prometheus:3.16.0\n");
    expect(() => monitoringImages(file)).toThrow(`${file} names no PROMETHEUS_OPERATOR_IMAGE`);
  });

  it("gives the Operator Prometheus' version from the image tag, and refuses a tag that is no release", () => {
    expect(prometheusVersion("vsekai.local/prometheus:3.16.0")).toBe("v3.16.0");
    expect(spec.version).toBe("v3.16.0");
    expect(() => prometheusVersion("vsekai.local/prometheus:latest")).toThrow(
      "image vsekai.local/prometheus:latest has no x.y.z tag",
    );
  });
});

describe("the Operator's manifests", () => {
  it("put everything in one namespace that enforces the restricted level", () => {
    const [namespace] = byKind("Namespace");
    expect(namespace?.metadata?.name).toBe(MONITORING_NAMESPACE);
    expect(namespace?.metadata?.labels?.["pod-security.kubernetes.io/enforce"]).toBe("restricted");
    for (const object of manifests.filter(
      (o) => !["Namespace", "ClusterRole", "ClusterRoleBinding"].includes(o.kind ?? ""),
    )) {
      expect(object.metadata?.namespace, `${object.kind} ${object.metadata?.name}`).toBe(
        MONITORING_NAMESPACE,
      );
    }
  });

  it("run the Operator as restricted pods must run, telling it which reloader image to inject", () => {
    const [deployment] = byKind("Deployment") as k8s.V1Deployment[];
    const pod = deployment?.spec?.template.spec;
    expect(pod?.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 65534,
      seccompProfile: { type: "RuntimeDefault" },
    });
    const [container] = pod?.containers ?? [];
    expect(container?.image).toBe(images.operator);
    expect(container?.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
    });
    expect(container?.args).toContain(`--prometheus-config-reloader=${images.reloader}`);
    expect(container?.resources?.limits).toBeDefined();
  });

  it("bind each cluster role to its own account in the namespace, under names Traefik's fixture does not use", () => {
    const roles = (byKind("ClusterRole") as k8s.V1ClusterRole[]).map((r) => r.metadata?.name);
    const accounts = byKind("ServiceAccount").map((a) => a.metadata?.name);
    expect(accounts).toEqual(["prometheus-operator", "prometheus"]);
    const bindings = byKind("ClusterRoleBinding") as k8s.V1ClusterRoleBinding[];
    expect(bindings.map((b) => [b.roleRef.name, b.subjects?.[0]?.name, b.subjects?.[0]?.namespace])).toEqual(
      accounts.map((a) => [`vsekai-harness-${a}`, a, MONITORING_NAMESPACE]),
    );
    expect(roles).toEqual(bindings.map((b) => b.roleRef.name));
    const traefik = ingressControllerManifests({ image: "x", replicas: 1 }).map(
      (o) => `${o.kind}/${o.metadata?.name}`,
    );
    expect(manifests.map((o) => `${o.kind}/${o.metadata?.name}`).filter((n) => traefik.includes(n))).toEqual(
      [],
    );
  });
});

describe("the Prometheus it runs", () => {
  it("selects ServiceMonitors and PrometheusRules by the labels the stack is told to set, in the stack's namespaces", () => {
    const settings = fixtureMonitoringSettings({ maxAlertFor: "30s" });
    expect(monitoringProblems(monitoringSchema.parse(settings), "dev")).toEqual([]);
    for (const key of ["serviceMonitorSelector", "podMonitorSelector", "ruleSelector"]) {
      expect(spec[key], key).toEqual({ matchLabels: settings.labels });
    }
    expect(settings.labels).toEqual(FIXTURE_SELECTOR_LABELS);
    expect(settings.scraperNamespace).toBe(MONITORING_NAMESPACE);
    const inStack = {
      matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: ["vsekai-dev"] }],
    };
    for (const key of [
      "serviceMonitorNamespaceSelector",
      "podMonitorNamespaceSelector",
      "ruleNamespaceSelector",
    ]) {
      expect(spec[key], key).toEqual(inStack);
    }
  });

  it("scrapes and evaluates every 15 s with one small replica in the fixture's namespace", () => {
    expect(prometheus.metadata?.namespace).toBe(MONITORING_NAMESPACE);
    expect(spec).toMatchObject({
      replicas: 1,
      scrapeInterval: SCRAPE_INTERVAL,
      evaluationInterval: EVALUATION_INTERVAL,
    });
    expect([SCRAPE_INTERVAL, EVALUATION_INTERVAL]).toEqual(["15s", "15s"]);
    expect(spec.resources).toMatchObject({ limits: { memory: "512Mi" } });
    expect(spec.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: "RuntimeDefault" },
    });
  });
});

describe("the Operator's CRDs", () => {
  it("are read from every YAML file of the directory, in name order, and an empty one is refused", () => {
    const dir = testTempDir("vsekai-crds-");
    expect(() => operatorCrds(dir)).toThrow(`no CRD files in ${dir}`);
    const crd = (plural: string) =>
      `apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: ${plural}.monitoring.coreos.com\n`;
    writeFileSync(join(dir, "b.yaml"), crd("probes"));
    writeFileSync(join(dir, "a.yaml"), crd("podmonitors"));
    writeFileSync(join(dir, "notes.txt"), "not a CRD");
    expect(operatorCrds(dir).map((c) => c.metadata?.name)).toEqual([
      "podmonitors.monitoring.coreos.com",
      "probes.monitoring.coreos.com",
    ]);
  });
});
