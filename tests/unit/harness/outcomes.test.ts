import { describe, expect, it } from "vitest";
import {
  failureRuns,
  formatSummary,
  longestFailureRunSeconds,
  recoverySeconds,
  summarize,
  unavailableFailures,
  credentialRefusals,
  type RequestRecord,
} from "../../../tests/harness/outcomes.ts";

/** A request of `stream` that started at `startMs`, took 100 ms, and succeeded or not. */
const req = (stream: string, startMs: number, ok: boolean): RequestRecord => ({
  stream,
  op: "GET",
  startMs,
  endMs: startMs + 100,
  ok,
});

// s3 fails from 1.0 s to the success at 2.5 s, then once more at the very end (never recovered);
// health fails once, 1.2 s, and works again from 1.3 s.
const RECORDS = [
  req("s3", 0, true),
  req("s3", 1000, false),
  req("s3", 1500, false),
  req("s3", 2500, true),
  req("s3", 4000, false),
  req("ingress/health", 0, true),
  req("ingress/health", 1200, false),
  req("ingress/health", 1300, true),
  req("ingress/health", 4100, true),
];

describe("failure runs", () => {
  it("are consecutive failures of one stream, lasting until that stream's next success", () => {
    expect(failureRuns(RECORDS)).toEqual([
      { stream: "s3", startMs: 1000, endMs: 2500, failures: 2, recovered: true },
      { stream: "ingress/health", startMs: 1200, endMs: 1300, failures: 1, recovered: true },
      { stream: "s3", startMs: 4000, endMs: 4100, failures: 1, recovered: false },
    ]);
    expect(longestFailureRunSeconds(RECORDS)).toBe(1.5);
  });

  it("are independent of the order requests were recorded in", () => {
    expect(failureRuns([...RECORDS].reverse())).toEqual(failureRuns(RECORDS));
  });

  it("are none when nothing failed", () => {
    const fine = RECORDS.filter((r) => r.ok);
    expect(failureRuns(fine)).toEqual([]);
    expect(longestFailureRunSeconds(fine)).toBe(0);
  });
});

describe("recovery after a marked fault", () => {
  // Without s3's last failure, every stream ends working.
  const recovered = RECORDS.filter((r) => !(r.stream === "s3" && r.startMs === 4000));

  it("is the time until every stream works again for good", () => {
    // s3 is back at 2.5 s and health at 1.3 s: full recovery 2.5 s - 0.8 s.
    expect(recoverySeconds(recovered, 800)).toBeCloseTo(1.7, 9);
  });

  it("is zero when no stream failed after the mark", () => {
    expect(recoverySeconds(recovered, 2000)).toBe(0);
  });

  it("is unknown when a stream's last request failed or it sent nothing after the mark", () => {
    expect(recoverySeconds(RECORDS, 800)).toBeUndefined();
    expect(recoverySeconds(recovered, 4050)).toBeUndefined();
  });
});

describe("the summary", () => {
  it("counts requests and failures per stream and overall, with the recovery after each mark", () => {
    const recovered = RECORDS.filter((r) => !(r.stream === "s3" && r.startMs === 4000));
    const summary = summarize(recovered, [{ label: "delete s3 gateway", atMs: 800 }]);
    expect(summary).toEqual({
      sent: 8,
      failed: 3,
      longestFailureRunSeconds: 1.5,
      streams: [
        {
          stream: "ingress/health",
          sent: 4,
          failed: 1,
          longestFailureRunSeconds: 0.1,
          lastFailure: { atSeconds: 1.2, error: "failed" },
        },
        {
          stream: "s3",
          sent: 4,
          failed: 2,
          longestFailureRunSeconds: 1.5,
          lastFailure: { atSeconds: 1.5, error: "failed" },
        },
      ],
      recoveries: [{ label: "delete s3 gateway", atSeconds: 0.8, recoverySeconds: expect.closeTo(1.7, 9) }],
    });
    expect(formatSummary(summary)).toBe(
      [
        "requests 8, failed 3, longest failure run 1.5 s",
        "  ingress/health: 4 sent, 1 failed, longest run 0.1 s; last failure at t=1.2 s: failed",
        "  s3: 4 sent, 2 failed, longest run 1.5 s; last failure at t=1.5 s: failed",
        '  after "delete s3 gateway" (t=0.8 s): recovered in 1.7 s',
      ].join("\n"),
    );
  });
});

/** A failed request of a stream, as the load generator records one. */
const failed = (stream: string, error: string | undefined, status?: number): RequestRecord => ({
  stream,
  op: "GET",
  startMs: 0,
  endMs: 1,
  ok: false,
  ...(status === undefined ? {} : { status }),
  ...(error === undefined ? {} : { error }),
});

describe("failures that mean the app could not be reached", () => {
  it("counts no answer, refused connections, timeouts, a proxy's error page and every S3 failure", () => {
    const unreachable = [
      failed("service/rows", "connect ECONNREFUSED 10.96.0.12:4000"),
      failed("ingress/health", "HTTP 502: Bad Gateway", 502),
      failed("ingress/rows", "AbortError: This operation was aborted"),
      failed("s3", "InternalError: We encountered an internal error", 500),
      failed("s3", "HTTP 503: storage: S3 answered HTTP 503", 503),
    ];
    expect(unavailableFailures(unreachable)).toEqual(unreachable);
  });

  it("leaves out the app's own answers that name its database or storage", () => {
    const answered = [
      failed("service/health", "HTTP 503: storage: no answer within 2500 ms", 503),
      failed("ingress/health", "HTTP 503: database: connection to sql:5432 failed: closed", 503),
      failed("service/rows", '{"error":"the row could not be read: connection to sql:5432 failed"}', 503),
    ];
    expect(unavailableFailures(answered)).toEqual([]);
  });
});

describe("requests refused for their credentials", () => {
  it("finds an unknown S3 key, a bad signature, a 403 and a login the database refused", () => {
    const refused = [
      failed("s3", "InvalidAccessKeyId: The access key ID you provided does not exist in our records.", 403),
      failed("s3", "SignatureDoesNotMatch: The request signature we calculated does not match"),
      failed("s3", "AccessDenied: Access Denied"),
      failed("s3", "HTTP 403", 403),
      failed("service/rows", '{"error":"password authentication failed for user \\"uro\\""}', 503),
      failed("ingress/health", 'HTTP 503: database: role "uro" is not permitted to log in', 503),
      // As the uro stand-in answered a write on a login stopped with NOLOGIN (seen live).
      failed(
        "service/rows",
        '{"error":"the row was not written: connect to sql:5432 failed: {:error_response, [{:code, \\"28000\\"}, {:message, \\"role \\\\\\"uro\\\\\\" is not permitted to log in\\"}]}"}',
        503,
      ),
    ];
    expect(credentialRefusals(refused)).toEqual(refused);
  });

  it("leaves out resets, timeouts and a dependency's blip, which are availability", () => {
    const other = [
      failed("s3", "TimeoutError: socket hang up (ECONNRESET)"),
      failed("s3", "InternalError: We encountered an internal error", 500),
      failed("service/rows", "connect ECONNREFUSED 10.96.0.12:4000"),
      failed("service/health", "HTTP 503: database: connection to sql:5432 failed: closed", 503),
    ];
    expect(credentialRefusals(other)).toEqual([]);
  });
});
