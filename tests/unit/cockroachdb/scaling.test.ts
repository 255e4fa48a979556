import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  REFUSED_EXIT_CODE,
  decommissionJobScript,
  scaleDownRefusal,
} from "../../../components/cockroachdb/scaling.ts";
import { nodeCountProblem } from "../../../components/config/cockroach-rules.ts";

// The decommission Job's script, run by the shells it may meet (dash here, bash in the CockroachDB image)
// against a stand-in `cockroach` that answers as the real CLI does (tsv with a header, "no such host" for
// a pod name that does not resolve) from a cluster described per test, and records what it was asked to
// decommission. The real CLI and cluster cannot be had here: this checks the script's plan, not the Job.

const STATEFUL_SET = "vsekai-cockroachdb";
const DISCOVERY = "vsekai-cockroachdb.vsekai-test.svc.cluster.local";
const dir = mkdtempSync(join(tmpdir(), "decommission-"));
const stub = join(dir, "cockroach");
writeFileSync(
  stub,
  [
    "#!/bin/sh",
    'echo "$*" >> "$STUB_LOG"',
    'host=""; for a in "$@"; do case "$a" in --host=*) host=${a#--host=} ;; esac; done',
    'case "$1 $*" in',
    '  "sql "*"--execute=SELECT 1"*)',
    "    pod=${host%%.*}; ordinal=${pod##*-}",
    // The first STUB_DNS_FAILURES lookups time out, as before the allow-dns NetworkPolicy is in force.
    '    n=$(cat "$STUB_LOG.dns" 2>/dev/null || echo 0); echo $((n + 1)) > "$STUB_LOG.dns"',
    '    if [ "$n" -lt "${STUB_DNS_FAILURES:-0}" ]; then',
    '      echo "ERROR: cannot dial server. dial tcp: lookup ${host%:*} on 10.96.0.10:53: read udp: i/o timeout" >&2; exit 1',
    "    fi",
    '    for p in $STUB_PODS; do [ "$p" = "$ordinal" ] && exit 0; done',
    '    printf "ERROR: cannot dial server.\\nIs the server running?\\n\\ndial tcp: lookup %s: no such host\\n" "${host%:*}" >&2',
    "    exit 1 ;;",
    '  "sql "*"--format=tsv"*)',
    '    [ -n "${STUB_NODES_FAIL:-}" ] && { echo "ERROR: cannot dial server." >&2; exit 1; }',
    '    printf "%s\\n" "$STUB_NODES"; exit 0 ;;',
    '  "node "*) exit "${STUB_DECOMMISSION_RC:-0}" ;;',
    "esac",
    "exit 2",
  ].join("\n"),
);
chmodSync(stub, 0o755);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** One node status row: id, the address its pod advertises, its membership. */
function node(id: number, ordinal: number | undefined, membership = "active"): string {
  const address = ordinal === undefined ? "NULL" : `${STATEFUL_SET}-${ordinal}.${DISCOVERY}:26257`;
  return [id, address, membership].join("\t");
}

interface Cluster {
  /** Ordinals of the pods that exist. */
  pods: number[];
  nodes?: string[];
  nodesFail?: boolean;
  decommissionRc?: number;
  /** How many pod lookups fail before the DNS answers. */
  dnsFailures?: number;
}

const SHELLS = ["/bin/sh", "/bin/bash"];

function run(shell: string, requested: number, cluster: Cluster) {
  const log = join(dir, `log-${Math.random().toString(36).slice(2)}`);
  writeFileSync(log, "");
  const script = decommissionJobScript({
    requested,
    statefulSet: STATEFUL_SET,
    discoveryFqdn: DISCOVERY,
    securityFlag: "--certs-dir=/certs",
    cockroach: stub,
    attempts: 2,
  });
  const result = spawnSync(shell, ["-c", script], {
    encoding: "utf8",
    timeout: 30_000,
    // No terminal or socket on stdin and a HOME of its own: bash then reads no startup file.
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: dir,
      STUB_LOG: log,
      STUB_PODS: cluster.pods.join(" "),
      STUB_NODES: ["node_id\taddress\tmembership", ...(cluster.nodes ?? [])].join("\n"),
      ...(cluster.nodesFail ? { STUB_NODES_FAIL: "1" } : {}),
      STUB_DECOMMISSION_RC: String(cluster.decommissionRc ?? 0),
      STUB_DNS_FAILURES: String(cluster.dnsFailures ?? 0),
    },
  });
  const calls = readFileSync(log, "utf8").trim().split("\n").filter(Boolean);
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    decommissioned: calls.filter((c) => c.startsWith("node decommission")),
    askedForNodes: calls.some((c) => c.includes("--format=tsv")),
  };
}

const decommissionCall = (ids: string) =>
  `node decommission ${ids} --certs-dir=/certs --host=${DISCOVERY}:26257`;

describe.each(SHELLS)("the decommission Job's script under %s", (shell) => {
  it("does nothing, without asking the cluster, when no pod is above the count (first deploy, scale-up)", () => {
    for (const [requested, pods] of [
      [3, []],
      [3, [0, 1, 2]],
      [5, [0, 1, 2]],
    ] as const) {
      const r = run(shell, requested, { pods: [...pods] });
      expect(r.status, `${requested} over ${pods.join(",")}`).toBe(0);
      expect(r.stdout).toContain(`no pod has an ordinal of ${requested} or more: nothing to decommission`);
      expect(r.askedForNodes).toBe(false);
      expect(r.decommissioned).toEqual([]);
    }
  });

  it("waits for the cluster DNS before deciding that no pod is above the count, within its attempts", () => {
    const patient = run(shell, 3, { pods: [0, 1, 2], dnsFailures: 1 });
    expect(patient.status).toBe(0);
    expect(patient.stdout).toContain("nothing to decommission");
    const never = run(shell, 3, { pods: [0, 1, 2], dnsFailures: 5 });
    expect(never.status).toBe(1);
    expect(never.stderr).toContain("the cluster DNS did not answer for vsekai-cockroachdb-3");
    expect(never.askedForNodes).toBe(false);
  });

  it("decommissions the nodes of the pods a scale-down removes, found by address, not by node id", () => {
    const nodes = [node(1, 0), node(2, 4), node(3, 1), node(4, 2), node(5, 3)];
    const r = run(shell, 3, { pods: [0, 1, 2, 3, 4], nodes });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.decommissioned).toEqual([decommissionCall("2 5")]);
    expect(r.stdout).toContain("node 2 (pod vsekai-cockroachdb-4, active) is above the new count");
    expect(r.stdout).toContain("decommissioned nodes 2 5");
  });

  it("finishes a decommission under way, skips decommissioned nodes, the header and unknown addresses", () => {
    const nodes = [
      node(1, 0),
      node(2, 1),
      node(3, 2),
      node(4, 3, "decommissioned"),
      node(5, 3, "decommissioning"),
      node(6, undefined, "active"),
    ];
    const r = run(shell, 3, { pods: [0, 1, 2, 3], nodes });
    expect(r.status).toBe(0);
    expect(r.decommissioned).toEqual([decommissionCall("5")]);
  });

  it("says so and changes nothing when every node above the count is decommissioned already", () => {
    const nodes = [node(1, 0), node(2, 1), node(3, 2), node(4, 3, "decommissioned")];
    const r = run(shell, 3, { pods: [0, 1, 2, 3], nodes });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("no node above the new count is left to decommission");
    expect(r.decommissioned).toEqual([]);
  });

  it("refuses going below 3 nodes from 3, with the setting and the way forward, decommissioning nothing", () => {
    const r = run(shell, 1, { pods: [0, 1, 2], nodes: [node(1, 0), node(2, 1), node(3, 2)] });
    expect(r.status).toBe(REFUSED_EXIT_CODE);
    expect(r.stderr.trim()).toBe(scaleDownRefusal(1, 3, 1));
    expect(r.decommissioned).toEqual([]);
  });

  it("refuses a scale-down that would leave two active members because one kept node is gone already", () => {
    const nodes = [node(1, 0), node(2, 1, "decommissioned"), node(3, 2), node(4, 3)];
    const r = run(shell, 3, { pods: [0, 1, 2, 3], nodes });
    expect(r.status).toBe(REFUSED_EXIT_CODE);
    expect(r.stderr.trim()).toBe(scaleDownRefusal(3, 3, 2));
    expect(r.decommissioned).toEqual([]);
  });

  it("fails, leaving the StatefulSet as it is, when pods above the count exist but the cluster does not answer", () => {
    const r = run(shell, 3, { pods: [0, 1, 2, 3, 4], nodesFail: true });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      "the cluster did not answer, so the nodes of pods 3 and above cannot be decommissioned; the StatefulSet keeps them",
    );
    expect(r.decommissioned).toEqual([]);
  });

  it("fails when CockroachDB does not finish the decommission", () => {
    const nodes = [node(1, 0), node(2, 1), node(3, 2), node(4, 3)];
    const r = run(shell, 3, { pods: [0, 1, 2, 3], nodes, decommissionRc: 1 });
    expect(r.status).toBe(1);
    expect(r.decommissioned).toEqual([decommissionCall("4")]);
  });
});

describe("decommissionJobScript", () => {
  it("refuses a count that is no node count", () => {
    const options = {
      statefulSet: STATEFUL_SET,
      discoveryFqdn: DISCOVERY,
      securityFlag: "--insecure",
      cockroach: stub,
      attempts: 1,
    };
    expect(() => decommissionJobScript({ ...options, requested: 0 })).toThrow(
      "cockroach.nodes: 0 is not a node count",
    );
  });
});

describe("scaleDownRefusal", () => {
  it("names the setting, the counts and the way forward", () => {
    expect(scaleDownRefusal(1, 3, 1)).toBe(
      "vsekai-infra:cockroach.nodes: 1 is not allowed while 3 nodes run: only 1 would remain, and below 3 " +
        "nodes the cluster cannot keep three replicas of each range, so decommissioning would never finish; " +
        "keep 3 or more, or build a new cluster and restore a backup instead",
    );
  });
});

describe("nodeCountProblem", () => {
  it("refuses two nodes only", () => {
    expect(nodeCountProblem(2)).toMatch(/2 is not allowed/);
    for (const n of [1, 3, 4, 5, 99]) expect(nodeCountProblem(n), String(n)).toBeUndefined();
  });
});
