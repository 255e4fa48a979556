import { describe, expect, it } from "vitest";
import {
  assertTarget,
  localClusterCidrs,
  parseCidr,
  targetProblem,
} from "../../../tests/harness/addresses.ts";
import { checkHttpTarget } from "../../../tests/harness/clients.ts";
import { loadOptionProblems } from "../../../tests/harness/load.ts";

const CLUSTER = [parseCidr("10.244.0.0/24"), parseCidr("10.96.0.0/16")];
const ALLOWED = "loopback (127.0.0.0/8, ::1) or the local cluster's 10.244.0.0/24, 10.96.0.0/16";

describe("the load generator's address guard", () => {
  it("reads the pod and Service ranges from the local cluster's settings", () => {
    expect(localClusterCidrs().map((c) => c.text)).toEqual(["10.244.0.0/24", "10.96.0.0/16"]);
  });

  it.each([
    "127.0.0.1",
    "127.255.255.254",
    "::1",
    "[::1]",
    "0:0:0:0:0:0:0:1",
    "::ffff:127.0.0.1",
    "::ffff:7f00:1",
    "10.244.0.17",
    "10.96.0.1",
    "10.96.255.255",
  ])("allows %s", (address) => {
    expect(targetProblem(address, CLUSTER)).toBeUndefined();
  });

  it.each([
    ["8.8.8.8", `target 8.8.8.8 is not allowed: the load generator only dials ${ALLOWED}`],
    ["10.244.1.5", `target 10.244.1.5 is not allowed: the load generator only dials ${ALLOWED}`],
    ["10.97.0.1", `target 10.97.0.1 is not allowed: the load generator only dials ${ALLOWED}`],
    ["10.239.0.1", `target 10.239.0.1 is not allowed: the load generator only dials ${ALLOWED}`],
    ["::ffff:8.8.8.8", `target ::ffff:8.8.8.8 is not allowed: the load generator only dials ${ALLOWED}`],
    ["2001:db8::1", `target 2001:db8::1 is not allowed: the load generator only dials ${ALLOWED}`],
    [
      "vsekai-ha.localhost",
      `target "vsekai-ha.localhost" is not allowed: give an IP address (a name could resolve anywhere), ${ALLOWED}`,
    ],
    [
      "localhost",
      `target "localhost" is not allowed: give an IP address (a name could resolve anywhere), ${ALLOWED}`,
    ],
  ])("refuses %s", (address, message) => {
    expect(targetProblem(address, CLUSTER)).toBe(message);
    expect(() => assertTarget(address, CLUSTER)).toThrow(message);
  });

  it("refuses a CIDR it cannot read", () => {
    expect(() => parseCidr("10.0.0.0")).toThrow('"10.0.0.0" is not an IPv4 CIDR such as 10.96.0.0/16');
    expect(() => parseCidr("10.0.0.300/8")).toThrow("is not an IPv4 CIDR");
    expect(() => parseCidr("10.0.0.0/33")).toThrow("is not an IPv4 CIDR");
  });

  it("judges an HTTPS target by the address it dials, not the host it names", () => {
    const ingress = { name: "ingress", baseUrl: "https://vsekai-ha.localhost", dialAddress: "10.96.3.4" };
    expect(() => checkHttpTarget(ingress, CLUSTER)).not.toThrow();
    expect(() => checkHttpTarget({ ...ingress, dialAddress: "192.168.1.1" }, CLUSTER)).toThrow(
      "target 192.168.1.1 is not allowed",
    );
    expect(() => checkHttpTarget({ name: "named", baseUrl: "https://vsekai-ha.localhost" }, CLUSTER)).toThrow(
      'target "vsekai-ha.localhost" is not allowed: give an IP address',
    );
  });

  it("refuses to start unbounded or with no target, naming each problem", () => {
    expect(
      loadOptionProblems(
        {
          http: [{ name: "far", baseUrl: "http://1.1.1.1:80" }],
          maxRequests: 0,
          maxSeconds: 0,
          objectBytes: { min: 10, max: 5 },
        },
        CLUSTER,
      ),
    ).toEqual([
      "maxRequests 0 is not allowed: a whole number of at least 1",
      "maxSeconds 0 is not allowed: more than 0 and at most 3600",
      'objectBytes {"min":10,"max":5} is not allowed: 1 <= min <= max <= 64 MiB',
      `http target far: target 1.1.1.1 is not allowed: the load generator only dials ${ALLOWED}`,
    ]);
    expect(loadOptionProblems({ http: [], maxRequests: 1, maxSeconds: 1 }, CLUSTER)).toEqual([
      "no target: give s3, http targets or both",
    ]);
  });
});
