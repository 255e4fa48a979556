import { describe, expect, it } from "vitest";
import { disruptionBudget } from "../../../components/app/availability.ts";
import { appEnv, generatedSecretNames, SQL_CA_FILE } from "../../../components/app/env.ts";
import { migrationJobName } from "../../../components/app/migration.ts";
import { appNames, peersQuery } from "../../../components/app/names.ts";
import { containerPorts, DIST_PORT, EPMD_PORT, servicePorts } from "../../../components/app/ports.ts";
import { appProbes } from "../../../components/app/probes.ts";
import { looksSensitive } from "../../../components/shared/sensitive.ts";
import { appSettings } from "./fixtures.ts";

type Env = { name: string; value?: unknown; valueFrom?: { secretKeyRef?: { name: string; key: string } } };

function env(overrides: Parameters<typeof appSettings>[0] = {}, sqlCa = false): Env[] {
  const s = appSettings({ secretEnvNames: ["SENDGRID_API_KEY"], ...overrides });
  return appEnv({
    settings: s,
    databaseSecret: "db",
    generatedSecret: "gen",
    secretEnvSecret: "extra",
    s3: { url: "http://s3:8333", bucket: "uro", region: "us-east-1", credentialsSecretName: "s3creds" },
    peersQuery: "vsekai-uro-peers.vsekai.svc.cluster.local",
    sqlCa,
  }) as Env[];
}
const byName = (list: Env[], name: string) => list.find((e) => e.name === name);

describe("app env", () => {
  it("takes every credential from a Secret, never a plain value", () => {
    const list = env();
    for (const e of list.filter((x) => looksSensitive(x.name))) {
      expect(e.value, e.name).toBeUndefined();
      expect(e.valueFrom?.secretKeyRef, e.name).toBeDefined();
    }
    expect(byName(list, "DATABASE_URL")?.valueFrom?.secretKeyRef).toEqual({
      name: "db",
      key: "DATABASE_URL",
    });
    expect(byName(list, "AWS_SECRET_ACCESS_KEY")?.valueFrom?.secretKeyRef).toEqual({
      name: "s3creds",
      key: "AWS_SECRET_ACCESS_KEY",
    });
    expect(byName(list, "JOKEN_SIGNER")?.valueFrom?.secretKeyRef).toEqual({
      name: "gen",
      key: "JOKEN_SIGNER",
    });
    expect(byName(list, "SENDGRID_API_KEY")?.valueFrom?.secretKeyRef).toEqual({
      name: "extra",
      key: "SENDGRID_API_KEY",
    });
  });

  it("names each node by pod IP after POD_IP is defined, and pins the distribution port", () => {
    const list = env();
    const names = list.map((e) => e.name);
    expect(names.indexOf("POD_IP")).toBeLessThan(names.indexOf("RELEASE_NODE"));
    expect(byName(list, "RELEASE_NODE")?.value).toBe("uro@$(POD_IP)");
    expect(byName(list, "RELEASE_DISTRIBUTION")?.value).toBe("name");
    expect(byName(list, "DNS_CLUSTER_QUERY")?.value).toBe("vsekai-uro-peers.vsekai.svc.cluster.local");
    expect(byName(list, "ERL_AFLAGS")?.value).toBe(
      `-kernel inet_dist_listen_min ${DIST_PORT} inet_dist_listen_max ${DIST_PORT}`,
    );
  });

  it("sets each port's variable, the Phoenix basics and scratch paths for a read-only root", () => {
    const list = env();
    expect(byName(list, "PORT")?.value).toBe("4000");
    expect(byName(list, "WEB_PORT")?.value).toBe("4001");
    expect(byName(list, "PHX_SERVER")?.value).toBe("true");
    expect(byName(list, "PHX_HOST")?.value).toBe("uro.example.org");
    expect(byName(list, "POOL_SIZE")?.value).toBe("10");
    expect(byName(list, "ECTO_IPV6")?.value).toBe("false");
    expect(byName(list, "RELEASE_TMP")?.value).toBe("/tmp");
    expect(byName(list, "HOME")?.value).toBe("/tmp");
    expect(byName(list, "LOG_LEVEL")?.value).toBe("info");
  });

  it("points at the CA file only when the database has one", () => {
    expect(byName(env({}, true), "DATABASE_CA_CERT_FILE")?.value).toBe(SQL_CA_FILE);
    expect(byName(env({}, false), "DATABASE_CA_CERT_FILE")).toBeUndefined();
  });

  it("without distribution starts unnamed, with no cookie or cluster query", () => {
    const list = env({ distribution: false, generatedSecrets: ["SECRET_KEY_BASE"] });
    expect(byName(list, "RELEASE_DISTRIBUTION")?.value).toBe("none");
    expect(byName(list, "RELEASE_COOKIE")).toBeUndefined();
    expect(byName(list, "DNS_CLUSTER_QUERY")).toBeUndefined();
  });

  it("has no variable twice", () => {
    const names = env().map((e) => e.name);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe("generated secrets", () => {
  it("always include SECRET_KEY_BASE, and RELEASE_COOKIE when clustering, once each", () => {
    expect(generatedSecretNames(appSettings({ generatedSecrets: ["JOKEN_SIGNER"] }))).toEqual([
      "JOKEN_SIGNER",
      "RELEASE_COOKIE",
      "SECRET_KEY_BASE",
    ]);
    expect(
      generatedSecretNames(appSettings({ generatedSecrets: ["SECRET_KEY_BASE"], distribution: false })),
    ).toEqual(["SECRET_KEY_BASE"]);
  });
});

describe("ports, probes, names", () => {
  it("declares HTTP ports by name, plus epmd and distribution when clustering", () => {
    const s = appSettings();
    expect(containerPorts(s.ports, true).map((p) => [p.name, p.containerPort])).toEqual([
      ["api", 4000],
      ["web", 4001],
      ["epmd", EPMD_PORT],
      ["erl-dist", DIST_PORT],
    ]);
    expect(containerPorts(s.ports, false)).toHaveLength(2);
    expect(servicePorts(s.ports)).toEqual([
      { name: "api", port: 4000, targetPort: "api", protocol: "TCP" },
      { name: "web", port: 4001, targetPort: "web", protocol: "TCP" },
    ]);
  });

  it("starts on the health path, then judges readiness and liveness on the pod-local path", () => {
    const p = appProbes("/health", "/livez", "api");
    expect(p.startupProbe.httpGet).toEqual({ path: "/health", port: "api", scheme: "HTTP" });
    expect(p.readinessProbe.httpGet).toEqual({ path: "/livez", port: "api", scheme: "HTTP" });
    expect(p.livenessProbe.httpGet).toEqual({ path: "/livez", port: "api", scheme: "HTTP" });
    const startup = p.startupProbe as { periodSeconds: number; failureThreshold: number };
    expect(startup.periodSeconds * startup.failureThreshold).toBeGreaterThanOrEqual(300);
  });

  it("computes the cluster query from the headless Service", () => {
    expect(peersQuery(appNames("vsekai", "uro"), "ns", "cluster.local")).toBe(
      "vsekai-uro-peers.ns.svc.cluster.local",
    );
  });
});

describe("migration Job name", () => {
  const cmd = ["bin/uro", "eval", "Uro.Release.migrate"];
  it("is stable for the same image and command, and changes with either", () => {
    const a = migrationJobName("vsekai-uro-migrate", "img:1", cmd);
    expect(migrationJobName("vsekai-uro-migrate", "img:1", cmd)).toBe(a);
    expect(migrationJobName("vsekai-uro-migrate", "img:2", cmd)).not.toBe(a);
    expect(migrationJobName("vsekai-uro-migrate", "img:1", [...cmd, "x"])).not.toBe(a);
    expect(a).toMatch(/^vsekai-uro-migrate-[0-9a-f]{10}$/);
    expect(a.length).toBeLessThanOrEqual(63);
  });
});

describe("disruption budget", () => {
  const sel = { a: "b" };
  it("keeps one pod up when there are several, or autoscaling", () => {
    expect(disruptionBudget(appSettings({ replicas: 3 }), sel)).toEqual({
      minAvailable: 1,
      selector: { matchLabels: sel },
    });
    expect(
      disruptionBudget(
        appSettings({ replicas: 1, autoscaling: { minReplicas: 2, maxReplicas: 5, cpuUtilization: 70 } }),
        sel,
      ).minAvailable,
    ).toBe(1);
  });
  it("never blocks a drain with a single pod, fixed or as the autoscaling floor", () => {
    expect(
      disruptionBudget(
        appSettings({ replicas: 3, autoscaling: { minReplicas: 1, maxReplicas: 4, cpuUtilization: 70 } }),
        sel,
      ),
    ).toEqual({ maxUnavailable: 1, selector: { matchLabels: sel } });
    const pdb = disruptionBudget(appSettings({ replicas: 1 }), sel);
    expect(pdb.maxUnavailable).toBe(1);
    expect(pdb.minAvailable).toBeUndefined();
  });
});
