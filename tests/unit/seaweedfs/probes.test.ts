import { describe, expect, it } from "vitest";
import * as probes from "../../../components/seaweedfs/probes.ts";

/** The probes as plain values: the functions build them as plain objects, typed as Pulumi inputs. */
interface Probe {
  httpGet?: { path: string; port: string; scheme: string };
  tcpSocket?: { port: string };
  periodSeconds: number;
  timeoutSeconds: number;
  failureThreshold: number;
}
type Probes = { startupProbe: Probe; readinessProbe: Probe; livenessProbe: Probe };
const plain = (make: () => probes.ServerProbes) => () => make() as unknown as Probes;
const masterProbes = plain(probes.masterProbes);
const volumeProbes = plain(probes.volumeProbes);
const filerProbes = plain(probes.filerProbes);
const s3Probes = plain(probes.s3Probes);
const path = (p: Probe) => p.httpGet?.path;

describe("probes on each server's real endpoints", () => {
  it("masters: ready only with a raft leader, alive while HTTP answers", () => {
    const p = masterProbes();
    expect(path(p.readinessProbe)).toBe("/cluster/healthz");
    expect(path(p.livenessProbe)).toBe("/cluster/status");
    expect(path(p.startupProbe)).toBe("/cluster/status");
    // /cluster/healthz may spend up to 5 s checking locks on the leader.
    expect(p.readinessProbe.timeoutSeconds).toBeGreaterThan(5);
  });

  it("volume servers: ready when heartbeating, alive by local status, slow start allowed", () => {
    const p = volumeProbes();
    expect(path(p.readinessProbe)).toBe("/healthz");
    expect(path(p.livenessProbe)).toBe("/status");
    const startupSeconds = p.startupProbe.periodSeconds * p.startupProbe.failureThreshold;
    expect(startupSeconds).toBeGreaterThanOrEqual(600);
  });

  it("filers: ready when the SQL store answers, but never restarted for a database outage", () => {
    const p = filerProbes();
    expect(path(p.readinessProbe)).toBe("/healthz");
    expect(p.livenessProbe.httpGet).toBeUndefined();
    expect(p.livenessProbe.tcpSocket).toEqual({ port: "http" });
    expect(p.startupProbe.tcpSocket).toEqual({ port: "http" });
  });

  it("S3 gateway: /healthz on the S3 port", () => {
    const p = s3Probes();
    for (const probe of [p.startupProbe, p.readinessProbe, p.livenessProbe]) {
      expect(probe.httpGet).toEqual({ path: "/healthz", port: "http", scheme: "HTTP" });
    }
  });

  it("checks starting servers every 2 s and readiness every 5 s, keeping each startup budget", () => {
    const budgets = { master: 300, volume: 900, filer: 300, s3: 120 };
    const probes = { master: masterProbes(), volume: volumeProbes(), filer: filerProbes(), s3: s3Probes() };
    for (const [server, p] of Object.entries(probes)) {
      expect(p.startupProbe.periodSeconds, server).toBe(2);
      expect(p.startupProbe.periodSeconds * p.startupProbe.failureThreshold, server).toBe(
        budgets[server as keyof typeof budgets],
      );
      expect(p.readinessProbe.periodSeconds, server).toBe(5);
    }
  });

  it("every probe targets the named http port", () => {
    for (const p of [masterProbes(), volumeProbes(), filerProbes(), s3Probes()]) {
      for (const probe of [p.startupProbe, p.readinessProbe, p.livenessProbe]) {
        expect(probe.httpGet?.port ?? probe.tcpSocket?.port).toBe("http");
      }
    }
  });
});
