import * as crypto from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createTlsServer } from "node:https";
import type { AddressInfo } from "node:net";
import forge from "node-forge";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuthority, issueCertificate } from "../../../components/secrets/x509.ts";
import type { HttpTarget } from "../../../tests/harness/clients.ts";
import { checkData } from "../../../tests/harness/data-check.ts";
import { healthFailure, startLoad } from "../../../tests/harness/load.ts";

// The load generator end to end against servers on loopback: a node:http app that answers like the uro
// stand-in (/health, POST /api/rows, GET /api/rows/:id), reached directly and over HTTPS with a
// certificate from the stack's own CA code, dialled by IP with the host as SNI. The app is taken down
// for a second mid-run, so failures, their run and the recovery are real measurements. (The S3 half runs
// against a real `weed server -s3` in s3-loopback.test.ts.)

const HOST = "vsekai-ha.localhost";
const deps = { crypto, forge };
const now = new Date();
const ca = createAuthority(deps, { commonName: "test ingress CA", validityDays: 30 }, now);
const leaf = issueCertificate(
  deps,
  {
    caCertPem: ca.certPem,
    caKeyPem: ca.keyPem,
    commonName: HOST,
    dnsNames: [HOST],
    usages: ["server"],
    validityDays: 30,
  },
  now,
);

/** An in-memory stand-in for the app's endpoints, which can be switched to 503 (a fault). */
class FakeApp {
  down = false;
  readonly rows = new Map<string, string>();
  private nextId = 1;

  handle = (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on("data", (c: Buffer) => chunks.push(c));
    request.on("end", () => {
      const reply = (status: number, body: unknown) => {
        response.writeHead(status, { "content-type": "application/json", connection: "close" });
        response.end(JSON.stringify(body));
      };
      if (this.down) return reply(503, { status: "degraded" });
      const path = request.url ?? "/";
      if (request.method === "GET" && path === "/health") return reply(200, { status: "ok" });
      if (request.method === "POST" && path === "/api/rows") {
        const id = String(this.nextId++);
        const payload = Buffer.concat(chunks).toString("utf8");
        this.rows.set(id, payload);
        return reply(201, { id, payload });
      }
      const row = /^\/api\/rows\/(\d+)$/.exec(path)?.[1];
      if (request.method === "GET" && row !== undefined) {
        const payload = this.rows.get(row);
        return payload === undefined
          ? reply(404, { error: `no row ${row}` })
          : reply(200, { id: row, payload });
      }
      return reply(404, { error: "not found" });
    });
  };
}

const app = new FakeApp();
let plain: Server;
let secure: Server;
let service: HttpTarget;
let ingress: HttpTarget;

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

beforeAll(async () => {
  plain = createServer(app.handle);
  secure = createTlsServer({ cert: leaf.certPem, key: leaf.keyPem }, app.handle);
  service = { name: "service", baseUrl: `http://127.0.0.1:${await listen(plain)}` };
  ingress = {
    name: "ingress",
    baseUrl: `https://${HOST}`,
    dialAddress: "127.0.0.1",
    dialPort: await listen(secure),
    caPem: ca.certPem,
  };
});

afterAll(async () => {
  await Promise.all([plain, secure].map((s) => new Promise((resolve) => s.close(resolve))));
});

describe("the load generator against loopback servers", () => {
  it("measures a one-second outage on every stream, through the Service and the Ingress, and stops at maxSeconds", async () => {
    const run = startLoad({ http: [service, ingress], maxRequests: 5_000, maxSeconds: 4, intervalMs: 50 });
    await new Promise((r) => setTimeout(r, 1_000));
    run.mark("app down");
    app.down = true;
    await new Promise((r) => setTimeout(r, 1_000));
    app.down = false;
    const upAtMs = run.elapsedMs();
    const result = await run.finished;

    expect(result.stoppedBy).toBe("seconds");
    expect(result.seconds).toBeGreaterThanOrEqual(4);
    expect(result.seconds).toBeLessThan(4 + 5);
    const streams = result.summary.streams.map((s) => s.stream);
    expect(streams).toEqual(["ingress/health", "ingress/rows", "service/health", "service/rows"]);
    for (const s of result.summary.streams) {
      expect(s.sent, s.stream).toBeGreaterThan(10);
      expect(s.failed, s.stream).toBeGreaterThan(0);
    }
    const mark = result.marks[0]?.atMs ?? 0;
    const outage = (upAtMs - mark) / 1000;
    for (const failure of result.records.filter((r) => !r.ok)) {
      expect(failure.status).toBe(503);
      // Answered while the app was down (on a busy machine a request may have started well before).
      expect(failure.endMs).toBeGreaterThanOrEqual(mark);
      expect(failure.startMs).toBeLessThan(upAtMs);
    }
    // The outage is what the clients saw, give or take the streams' pace (50 ms pauses) and a request's
    // own time.
    expect(result.summary.longestFailureRunSeconds).toBeGreaterThan(outage - 0.3);
    expect(result.summary.longestFailureRunSeconds).toBeLessThan(outage + 1);
    expect(result.summary.recoveries[0]?.recoverySeconds).toBeGreaterThan(outage - 0.5);
    expect(result.summary.recoveries[0]?.recoverySeconds).toBeLessThan(outage + 1);

    // Only rows the app acknowledged were kept, and each reads back; one the app then loses is named.
    expect(result.rows.length).toBeGreaterThan(10);
    expect(new Set(result.rows.map((r) => r.via))).toEqual(new Set(["service", "ingress"]));
    const intact = await checkData({ rowsVia: service, objects: [], rows: result.rows });
    expect(intact.rows).toEqual({
      acknowledged: result.rows.length,
      intact: result.rows.length,
      problems: [],
    });
    const lost = result.rows[3]?.id ?? "";
    app.rows.delete(lost);
    const check = await checkData({
      rowsVia: ingress,
      objects: [],
      rows: result.rows,
      attempts: 2,
      retryDelayMs: 10,
    });
    expect(check.rows.intact).toBe(result.rows.length - 1);
    expect(check.rows.problems).toEqual([
      {
        item: `row ${lost} (via ${result.rows[3]?.via})`,
        problem: `GET /api/rows/${lost} answered 404 {"error":"no row ${lost}"}`,
      },
    ]);
  }, 30_000);

  it("stops at maxRequests, having sent exactly that many", async () => {
    const result = await startLoad({ http: [service], maxRequests: 9, maxSeconds: 20, intervalMs: 10 })
      .finished;
    expect(result.stoppedBy).toBe("requests");
    expect(result.summary.sent).toBe(9);
    expect(result.summary.failed).toBe(0);
  }, 30_000);

  it("verifies the Ingress certificate: another CA or another host name fails every request", async () => {
    const otherCa = createAuthority(deps, { commonName: "someone else", validityDays: 1 }, now);
    const wrongCa = { ...ingress, name: "wrong-ca", caPem: otherCa.certPem };
    const wrongHost = { ...ingress, name: "wrong-host", baseUrl: "https://other.localhost" };
    const result = await startLoad({
      http: [wrongCa, wrongHost],
      maxRequests: 12,
      maxSeconds: 10,
      intervalMs: 10,
    }).finished;
    expect(result.summary.sent).toBe(12);
    expect(result.summary.failed).toBe(12);
    const errors = (stream: string) =>
      new Set(result.records.filter((r) => r.stream.startsWith(stream)).map((r) => r.error));
    expect(errors("wrong-ca")).toEqual(
      new Set(["unable to verify the first certificate (UNABLE_TO_VERIFY_LEAF_SIGNATURE)"]),
    );
    expect(errors("wrong-host")).toEqual(
      new Set([
        `Hostname/IP does not match certificate's altnames: Host: other.localhost. is not in the cert's altnames: DNS:${HOST} (ERR_TLS_CERT_ALTNAME_INVALID)`,
      ]),
    );
    expect(result.rows).toEqual([]);
  }, 30_000);

  it("refuses a target outside loopback and the cluster before sending anything", () => {
    expect(() =>
      startLoad({ http: [{ name: "far", baseUrl: "http://192.0.2.10" }], maxRequests: 1, maxSeconds: 1 }),
    ).toThrow("load generator refused its options:\n  http target far: target 192.0.2.10 is not allowed");
  });
});

describe("a failed /health in the figures", () => {
  it("names the failing checks with their details", () => {
    const body = JSON.stringify({
      status: "degraded",
      database: { ok: true, detail: "SELECT returned the row" },
      storage: { ok: false, detail: "no answer within 2500 ms" },
    });
    expect(healthFailure(503, body)).toBe("HTTP 503: storage: no answer within 2500 ms");
  });

  it("falls back to the body when it is not the app's report", () => {
    expect(healthFailure(502, "Bad Gateway")).toBe("HTTP 502: Bad Gateway");
    expect(healthFailure(503, JSON.stringify({ status: "degraded" }))).toBe(
      'HTTP 503: {"status":"degraded"}',
    );
  });
});
