import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { drainCommand } from "../../../components/cockroachdb/probes.ts";
import {
  QUERY_BOUND_SECONDS,
  REPLICATION_WAIT_INTERVAL_SECONDS,
  REPLICATION_WAIT_SECONDS,
  TERMINATION_GRACE_SECONDS,
  UNDER_REPLICATED_QUERY,
  stopCommand,
} from "../../../components/cockroachdb/stopping.ts";

/**
 * Runs the preStop script under bash with a stand-in for the cockroach binary: `sql` answers the next
 * under-replicated count from `answers` (an empty line: the query failed), after `queryDelay` seconds;
 * `node drain` records its arguments. The wait's limit is `limit` seconds and its pause none. Returns how
 * many times the script asked, the drain's arguments if it drained, and how long it took.
 */
function runStop(
  tls: boolean,
  answers: string[],
  limit = 20,
  queryDelay = 0,
): { asked: number; drained?: string; status: number | null; seconds: number } {
  const dir = mkdtempSync(join(tmpdir(), "vsekai-stop-"));
  const fake = join(dir, "cockroach");
  writeFileSync(join(dir, "answers"), answers.join("\n") + "\n");
  writeFileSync(join(dir, "asked"), "");
  writeFileSync(
    fake,
    [
      "#!/bin/sh",
      `d='${dir}'`,
      'if [ "$1" = sql ]; then',
      `  sleep ${queryDelay}`,
      '  echo "$*" >> "$d/asked"',
      '  n=$(wc -l < "$d/asked")',
      '  a=$(sed -n "${n}p" "$d/answers")',
      '  [ -z "$a" ] && { echo "ERROR: connection refused" >&2; exit 1; }',
      '  echo SET; echo coalesce; echo "$a"; exit 0',
      "fi",
      'echo "$*" > "$d/drained"',
    ].join("\n"),
  );
  chmodSync(fake, 0o755);
  const [shell, flag, script, ...rest] = stopCommand(tls, 3);
  expect([shell, flag]).toEqual(["/bin/bash", "-c"]);
  const runnable = (script ?? "")
    .replace(/cockroach='[^']*'/, `cockroach='${fake}'`)
    .replace(`limit=${REPLICATION_WAIT_SECONDS}`, `limit=${limit}`)
    .replace(`sleep ${REPLICATION_WAIT_INTERVAL_SECONDS}`, "sleep 0");
  const started = Date.now();
  const run = spawnSync("/bin/bash", ["-c", runnable, ...rest], { encoding: "utf8", timeout: 30_000 });
  const seconds = (Date.now() - started) / 1000;
  const asked = readFileSync(join(dir, "asked"), "utf8").split("\n").filter(Boolean);
  for (const line of asked) {
    expect(line).toContain(UNDER_REPLICATED_QUERY);
    expect(line).toContain(tls ? "--certs-dir=/cockroach/cockroach-certs" : "--insecure");
  }
  let drained: string | undefined;
  try {
    drained = readFileSync(join(dir, "drained"), "utf8").trim();
  } catch {
    drained = undefined;
  }
  return { asked: asked.length, drained, status: run.status, seconds };
}

describe("a CockroachDB node stopping", () => {
  it("waits until no range is under-replicated, then drains itself", () => {
    const r = runStop(true, ["4", "1", "0", "0"]);
    expect(r.asked).toBe(3);
    expect(r.drained).toBe(drainCommand(true).slice(1).join(" "));
    expect(r.status).toBe(0);
  });

  it("counts a query that fails as not yet replicated", () => {
    const r = runStop(false, ["", "", "0"]);
    expect(r.asked).toBe(3);
    expect(r.drained).toBe(drainCommand(false).slice(1).join(" "));
  });

  it("drains anyway once the bounded wait is over, so a cluster that stays under-replicated never blocks a stop", () => {
    // Slow answers (1 s each) and a 3 s limit: the clock bounds the wait, not the number of tries.
    const r = runStop(
      true,
      Array.from({ length: 40 }, () => "2"),
      3,
      1,
    );
    expect(r.asked).toBeGreaterThanOrEqual(2);
    expect(r.asked).toBeLessThanOrEqual(4);
    expect(r.seconds).toBeLessThan(3 + 1 + 2);
    expect(r.drained).toBeDefined();
  });

  it("leaves the kubelet time for the whole wait and the drain before SIGKILL", () => {
    const drainWait = Number(/--drain-wait=(\d+)s/.exec(drainCommand(true).join(" "))?.[1]);
    // The last query may start just before the limit and run its whole bound.
    expect(TERMINATION_GRACE_SECONDS).toBeGreaterThan(
      REPLICATION_WAIT_SECONDS + QUERY_BOUND_SECONDS + drainWait,
    );
    expect(UNDER_REPLICATED_QUERY).toContain("::DECIMAL");
  });

  it("is the drain alone below 3 nodes, and the same command at every count from 3 (scaling rolls nothing)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 15 }), fc.boolean(), (nodes, tls) => {
        const command = stopCommand(tls, nodes);
        if (nodes < 3) expect(command).toEqual(drainCommand(tls));
        else expect(command).toEqual(stopCommand(tls, 3));
      }),
    );
  });
});
