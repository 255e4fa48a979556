import { describe, expect, it } from "vitest";
import { startArgs, type StartOptions } from "../../../components/cockroachdb/args.ts";
import { drainCommand, nodeProbes } from "../../../components/cockroachdb/probes.ts";

const base: StartOptions = {
  join: ["a-0.d.ns.svc.cluster.local:26257", "a-1.d.ns.svc.cluster.local:26257"],
  discoveryFqdn: "d.ns.svc.cluster.local",
  tls: true,
  memory: { cacheMiB: 1024, maxSqlMemoryMiB: 1024 },
};

describe("startArgs", () => {
  it("starts a node that joins the seeds and advertises its own FQDN", () => {
    const args = startArgs(base);
    expect(args[0]).toBe("start");
    expect(args).toContain("--join=a-0.d.ns.svc.cluster.local:26257,a-1.d.ns.svc.cluster.local:26257");
    expect(args).toContain("--advertise-addr=$(POD_NAME).d.ns.svc.cluster.local:26257");
    expect(args).toContain("--listen-addr=:26257");
    expect(args).toContain("--http-addr=:8080");
    expect(args).toContain("--store=path=/cockroach/cockroach-data");
  });

  it("uses the certs dir with TLS and never --insecure", () => {
    const args = startArgs(base);
    expect(args).toContain("--certs-dir=/cockroach/cockroach-certs");
    expect(args).not.toContain("--insecure");
  });

  it("uses --insecure without TLS and no certs dir", () => {
    const args = startArgs({ ...base, tls: false });
    expect(args).toContain("--insecure");
    expect(args.some((a) => a.startsWith("--certs-dir"))).toBe(false);
  });

  it("passes the computed memory sizes in MiB", () => {
    const args = startArgs({ ...base, memory: { cacheMiB: 953, maxSqlMemoryMiB: 700 } });
    expect(args).toContain("--cache=953MiB");
    expect(args).toContain("--max-sql-memory=700MiB");
  });

  it("adds --locality only when one is set", () => {
    expect(startArgs(base).some((a) => a.startsWith("--locality"))).toBe(false);
    expect(startArgs({ ...base, locality: "region=eu,zone=eu-a" })).toContain(
      "--locality=region=eu,zone=eu-a",
    );
  });

  it("logs to stderr", () => {
    expect(startArgs(base)).toContain("--log=sinks: {stderr: {filter: INFO}}");
  });

  it("refuses an empty join list", () => {
    expect(() => startArgs({ ...base, join: [] })).toThrow(/join address/);
  });
});

describe("nodeProbes", () => {
  it("checks readiness with /health?ready=1 and liveness with /health on the http port", () => {
    const p = nodeProbes(false);
    expect(p.readinessProbe.httpGet).toEqual({ path: "/health?ready=1", port: "http", scheme: "HTTP" });
    expect(p.livenessProbe.httpGet).toEqual({ path: "/health", port: "http", scheme: "HTTP" });
    expect(p.startupProbe.httpGet).toEqual({ path: "/health", port: "http", scheme: "HTTP" });
  });

  it("uses HTTPS when TLS is on", () => {
    const p = nodeProbes(true);
    for (const probe of [p.readinessProbe, p.livenessProbe, p.startupProbe]) {
      expect((probe.httpGet as { scheme: string }).scheme).toBe("HTTPS");
    }
  });

  it("gives startup a budget of at least five minutes", () => {
    const { startupProbe } = nodeProbes(true);
    expect(Number(startupProbe.periodSeconds) * Number(startupProbe.failureThreshold)).toBeGreaterThanOrEqual(
      300,
    );
  });
});

describe("drainCommand", () => {
  it("drains the node itself, with certificates or insecure, within the grace period", () => {
    expect(drainCommand(true)).toEqual([
      "/cockroach/cockroach",
      "node",
      "drain",
      "--self",
      "--certs-dir=/cockroach/cockroach-certs",
      "--host=localhost",
      "--drain-wait=240s",
    ]);
    expect(drainCommand(false)).toContain("--insecure");
  });
});
