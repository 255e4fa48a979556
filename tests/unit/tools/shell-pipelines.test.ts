import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * Our scripts run under `set -o pipefail`. A pipeline whose last reader may quit before the writer is done
 * (`grep -q`, `head`) then fails at random: the writer dies of SIGPIPE and the pipeline's status is 141.
 * That is how `cluster.sh start` once stopped on "Address already assigned": `ip addr show | grep -q`
 * said "not there" for an address that was, and the script added it again.
 */
const EARLY_EXIT_READER = /\|\s*(?:head\b|grep\s+(?:-[A-Za-z]*q[A-Za-z]*\b|--quiet\b))/;

function earlyExitPipelines(script: string): { line: number; text: string }[] {
  return script
    .split("\n")
    .map((text, index) => ({ line: index + 1, text }))
    .filter(({ text }) => !/^\s*#/.test(text) && EARLY_EXIT_READER.test(text));
}

const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));

function trackedShellScripts(): string[] {
  const files = execFileSync("git", ["ls-files", "*.sh", ".ci/run"], { cwd: repoRoot, encoding: "utf8" });
  return files.split("\n").filter((file) => file.length > 0);
}

describe("shell pipelines under pipefail", () => {
  it("finds a pipeline that ends in grep -q or head", () => {
    const script = [
      "set -euo pipefail",
      '  ip addr show dev lo | grep -q "inet 10.0.0.1/32" || ip addr add 10.0.0.1/32 dev lo',
      '  "$bin" --version 2>&1 | head -n 1',
      "  ps | grep -Fq shim",
    ].join("\n");
    expect(earlyExitPipelines(script).map((hit) => hit.line)).toEqual([2, 3, 4]);
  });

  it("stays quiet on readers that consume their whole input, on grep -q of a file, and on comments", () => {
    const script = [
      "set -euo pipefail",
      'addrs="$(ip -o -4 addr show dev lo)"',
      "ss -Hltn | awk 'NR == 1'",
      "grep -qw overlay /proc/filesystems",
      "# ip addr show | grep -q this is only prose",
      "go version -m bin | awk '$1 == \"mod\" { found = 1 } END { exit !found }'",
    ].join("\n");
    expect(earlyExitPipelines(script)).toEqual([]);
  });

  it("no script in the repository has such a pipeline", () => {
    const scripts = trackedShellScripts();
    expect(scripts.length).toBeGreaterThan(10);
    const hits = scripts.flatMap((file) =>
      earlyExitPipelines(readFileSync(join(repoRoot, file), "utf8")).map(
        (hit) => `${file}:${hit.line}: ${hit.text.trim()}`,
      ),
    );
    expect(hits).toEqual([]);
  });
});
