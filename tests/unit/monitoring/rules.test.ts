import { describe, expect, it } from "vitest";
import { alertGroups, rulesFile, type AlertRule } from "../../../components/monitoring/index.ts";
import {
  EXTERNAL_SQL,
  monitoredFrom,
  promtoolDevStack,
  promtoolProdStack,
  stackSettings,
} from "../../monitoring/fixture.ts";

const operator = { mode: "operator", scraperNamespace: "monitoring" };
const alertNames = (rules: AlertRule[]) => rules.map((r) => r.alert);

describe("alert rules", () => {
  const groups = alertGroups(promtoolProdStack());
  const all = groups.flatMap((g) => g.group.rules);

  it("come in one group per system, named after the stack's namespace", () => {
    expect(groups.map((g) => [g.system, g.group.name])).toEqual([
      ["cockroachdb", "vsekai-prod.cockroachdb"],
      ["seaweedfs", "vsekai-prod.seaweedfs"],
      ["app", "vsekai-prod.app"],
      ["kubernetes", "vsekai-prod.kubernetes"],
    ]);
  });

  it("cover every failure the README lists", () => {
    expect(alertNames(all)).toEqual([
      "CockroachNodeDown",
      "CockroachRangesUnavailable",
      "CockroachRangesUnderReplicated",
      "CockroachStoreDiskLow",
      "CockroachVersionMismatch",
      "CockroachClockOffsetNearMax",
      "CockroachNodeCertificateExpiring",
      "CockroachCACertificateExpiring",
      "CockroachBackupStale",
      "SeaweedfsNoMasterLeader",
      "SeaweedfsSeveralMasterLeaders",
      "SeaweedfsMasterDown",
      "SeaweedfsVolumeServerDown",
      "SeaweedfsVolumeDiskLow",
      "SeaweedfsNoWritableVolumes",
      "SeaweedfsFilerDown",
      "SeaweedfsS3GatewayDown",
      "SeaweedfsFilerErrors",
      "SeaweedfsS3Errors",
      "SeaweedfsBackupDown",
      "SeaweedfsBackupStale",
      "AppReplicaDown",
      "AppReplicaNotReady",
      "AppHttp5xxRate",
      "AppRestarting",
      "StackContainerRestarting",
      "AppMigrationFailed",
    ]);
  });

  it("each say what is wrong and what to do, with a severity, the system and the namespace", () => {
    for (const rule of all) {
      expect(rule.annotations.summary.length, rule.alert).toBeGreaterThan(20);
      expect(rule.annotations.runbook.length, rule.alert).toBeGreaterThan(40);
      expect(["critical", "warning"]).toContain(rule.labels.severity);
      expect(rule.labels.namespace).toBe("vsekai-prod");
      expect(rule.expr, rule.alert).toMatch(/namespace="vsekai-prod"/);
    }
    expect(new Set(alertNames(all)).size).toBe(all.length);
  });

  it("alert on certificates inside the renewal window the stack renews in", () => {
    const stack = monitoredFrom(
      stackSettings("prod", { monitoring: operator, cockroach: { certRenewBeforeDays: 30 } }),
    );
    const node = alertGroups(stack)
      .flatMap((g) => g.group.rules)
      .find((r) => r.alert === "CockroachNodeCertificateExpiring");
    expect(node?.expr).toBe(
      '(security_certificate_expiration_node{namespace="vsekai-prod",service="vsekai-cockroachdb-metrics"} > 0) - time() < 2592000',
    );
  });

  it("leave out what a stack cannot have: replication alerts on one node, certificates without TLS, an external database", () => {
    const dev = alertNames(alertGroups(promtoolDevStack()).flatMap((g) => g.group.rules));
    expect(dev).not.toContain("CockroachRangesUnderReplicated");
    expect(dev).toContain("CockroachNodeCertificateExpiring");
    const insecure = monitoredFrom(stackSettings("dev", { monitoring: operator, cockroach: { tls: false } }));
    expect(alertNames(alertGroups(insecure).flatMap((g) => g.group.rules))).not.toContain(
      "CockroachNodeCertificateExpiring",
    );
    const external = monitoredFrom(stackSettings("dev", { monitoring: operator, ...EXTERNAL_SQL }));
    expect(alertGroups(external).map((g) => g.system)).toEqual(["seaweedfs", "app"]);
  });

  it("need kube-state-metrics only for Job and restart alerts, emitted only when it runs", () => {
    const without = monitoredFrom(stackSettings("prod", { monitoring: operator }));
    expect(alertGroups(without).map((g) => g.system)).not.toContain("kubernetes");
    const ksm = groups.find((g) => g.system === "kubernetes")?.group.rules ?? [];
    for (const rule of ksm) expect(rule.expr).toMatch(/^(increase\()?kube_/);
    for (const rule of all.filter((r) => !ksm.includes(r))) expect(rule.expr).not.toMatch(/kube_/);
  });

  it("fire sooner in a dev stack with maxAlertFor, and keep their delays otherwise", () => {
    const prodFor = Object.fromEntries(all.map((r) => [r.alert, r.for]));
    const dev = alertGroups(promtoolDevStack()).flatMap((g) => g.group.rules);
    for (const rule of dev) {
      const wanted = prodFor[rule.alert];
      if (wanted === undefined) expect(rule.for, rule.alert).toBeUndefined();
      else
        expect(rule.for, rule.alert).toBe(["2m", "5m", "10m", "15m", "1h"].includes(wanted) ? "30s" : wanted);
    }
    expect(prodFor.SeaweedfsVolumeServerDown).toBe("2m");
  });

  it("make a rule file Prometheus reads (JSON is YAML) holding exactly the groups", () => {
    const text = rulesFile(groups.map((g) => g.group));
    expect(JSON.parse(text)).toEqual({ groups: groups.map((g) => g.group) });
  });
});
