import { describe, expect, it } from "vitest";
import { copyCertsScript, nodeDnsNames } from "../../../components/cockroachdb/certs.ts";
import { ADDRESS } from "./fixtures.ts";

describe("nodeDnsNames", () => {
  const names = nodeDnsNames(ADDRESS);

  it("covers localhost for the node's own drain", () => {
    expect(names).toContain("localhost");
  });

  it("covers the public Service in every form a client may write", () => {
    expect(names).toEqual(
      expect.arrayContaining([
        "vsekai-cockroachdb-public",
        "vsekai-cockroachdb-public.vsekai-test",
        "vsekai-cockroachdb-public.vsekai-test.svc",
        "vsekai-cockroachdb-public.vsekai-test.svc.cluster.local",
      ]),
    );
  });

  it("covers every pod under the discovery Service by wildcard", () => {
    expect(names).toEqual(
      expect.arrayContaining([
        "vsekai-cockroachdb.vsekai-test.svc.cluster.local",
        "*.vsekai-cockroachdb",
        "*.vsekai-cockroachdb.vsekai-test",
        "*.vsekai-cockroachdb.vsekai-test.svc",
        "*.vsekai-cockroachdb.vsekai-test.svc.cluster.local",
      ]),
    );
  });

  it("lists each name once", () => {
    expect(new Set(names).size).toBe(names.length);
  });
});

describe("copyCertsScript", () => {
  it("copies each file into the certs dir and makes it owner-read-only", () => {
    const script = copyCertsScript(["ca.crt", "node.key"]);
    expect(script.split("\n")[0]).toBe("set -eu");
    expect(script).toContain("cp -f /cockroach/certs-secret/ca.crt /cockroach/cockroach-certs/ca.crt");
    expect(script).toContain("cp -f /cockroach/certs-secret/node.key /cockroach/cockroach-certs/node.key");
    expect(script).toContain(
      "chmod 0400 /cockroach/cockroach-certs/ca.crt /cockroach/cockroach-certs/node.key",
    );
  });
});
