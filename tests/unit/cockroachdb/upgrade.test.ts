import { spawnSync } from "node:child_process";
import { testTempDir } from "../tempdir.ts";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { REFUSED_EXIT_CODE } from "../../../components/cockroachdb/scaling.ts";
import {
  formatMajor,
  imageMajor,
  isInnovation,
  parseMajor,
  upgradeCheckScript,
  upgradePathProblem,
  upgradeSources,
  type Major,
} from "../../../components/cockroachdb/upgrade.ts";

const m = (text: string): Major => {
  const major = parseMajor(text);
  if (major === undefined) throw new Error(`not a major: ${text}`);
  return major;
};
const names = (list: Major[]) => list.map(formatMajor);

describe("CockroachDB's release train", () => {
  it("reads majors from image tags and cluster versions, and nothing else", () => {
    expect(imageMajor("cockroachdb/cockroach:v26.2.0")).toEqual({ year: 26, release: 2 });
    expect(imageMajor("registry.local:5000/cockroachdb/cockroach:v25.4.3")).toEqual({ year: 25, release: 4 });
    expect(imageMajor("cockroachdb/cockroach:latest")).toBeUndefined();
    expect(imageMajor("cockroachdb/cockroach@sha256:abc")).toBeUndefined();
    expect(parseMajor("25.4-upgrading-to-26.1-step-010")).toEqual({ year: 25, release: 4 });
    expect(parseMajor("24.4")).toBeUndefined(); // 2024 had three majors
    expect(parseMajor("22.2")).toBeUndefined(); // older than the train this check knows
  });

  it("alternates Regular and Innovation releases from 24.1", () => {
    const innovation = ["24.2", "25.1", "25.3", "26.1", "26.3"];
    const regular = ["23.1", "23.2", "24.1", "24.3", "25.2", "25.4", "26.2", "26.4"];
    for (const v of innovation) expect(isInnovation(m(v)), v).toBe(true);
    for (const v of regular) expect(isInnovation(m(v)), v).toBe(false);
  });

  it("lets a cluster take the next major, or skip one Innovation release, and nothing else", () => {
    expect(names(upgradeSources(m("26.2")))).toEqual(["26.2", "26.1", "25.4"]);
    expect(names(upgradeSources(m("26.1")))).toEqual(["26.1", "25.4"]);
    expect(names(upgradeSources(m("24.1")))).toEqual(["24.1", "23.2"]);
    expect(upgradePathProblem(m("25.4"), m("26.2"))).toBeUndefined();
    expect(upgradePathProblem(m("25.2"), m("26.2"))).toBe(
      "vsekai-infra:cockroach.image: v26.2 is not allowed on a cluster at version 25.2: CockroachDB cannot skip a required major release; upgrade to v25.3 or v25.4 first, finalize it (cockroach.finalizeUpgrade: true), then go on",
    );
    expect(upgradePathProblem(m("25.3"), m("26.1"))).toBe(
      "vsekai-infra:cockroach.image: v26.1 is not allowed on a cluster at version 25.3: CockroachDB cannot skip a required major release; upgrade to v25.4 first, finalize it (cockroach.finalizeUpgrade: true), then go on",
    );
    expect(upgradePathProblem(m("26.2"), m("25.4"))).toBe(
      "vsekai-infra:cockroach.image: v25.4 is not allowed on a cluster at version 26.2: a finalized cluster cannot go back a major version; set the image back to a v26.2 release, or restore a backup into a new cluster",
    );
  });

  it("never allows skipping a Regular release, for any pair of majors", () => {
    const major = fc
      .record({ year: fc.integer({ min: 23, max: 40 }), release: fc.integer({ min: 1, max: 4 }) })
      .filter((x) => parseMajor(formatMajor(x)) !== undefined);
    fc.assert(
      fc.property(major, major, (from, to) => {
        const allowed = upgradePathProblem(from, to) === undefined;
        const sources = names(upgradeSources(to));
        expect(allowed).toBe(sources.includes(formatMajor(from)));
        // Every allowed jump lands on the next release, or skips exactly one Innovation release.
        if (allowed && sources[0] !== formatMajor(from)) {
          const skipped = sources.indexOf(formatMajor(from)) === 2 ? sources[1] : undefined;
          if (skipped !== undefined) expect(isInnovation(m(skipped))).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});

// The check Job's script under bash, with only `cockroach` stood in (none can be had here): it answers
// SHOW CLUSTER SETTING version from FAKE_VERSION (or fails as DNS would with FAKE_NO_HOST) and records
// every statement it is asked to run.
const FAKE_COCKROACH = `#!/bin/sh
dir=$(dirname "$0")
for a in "$@"; do case $a in --execute=*) printf '%s\\n' "\${a#--execute=}" >>"$dir/executed.log" ;; esac; done
if [ -n "\${FAKE_NO_HOST:-}" ]; then echo "dial tcp: lookup x: no such host" >&2; exit 1; fi
case "$*" in *"SHOW CLUSTER SETTING version"*) printf 'version\\n%s\\n' "$FAKE_VERSION" ;; esac
`;

function runCheck(image: string, finalize: boolean, fake: Record<string, string>) {
  const dir = testTempDir("vsekai-upgrade-check-");
  writeFileSync(join(dir, "cockroach"), FAKE_COCKROACH);
  chmodSync(join(dir, "cockroach"), 0o755);
  const script = upgradeCheckScript({
    image,
    finalize,
    discoveryFqdn: "vsekai-cockroachdb.vsekai-prod.svc.cluster.local",
    securityFlag: "--certs-dir=/cockroach/cockroach-certs",
    cockroach: join(dir, "cockroach"),
    attempts: 2,
  });
  const run = spawnSync("sh", ["-c", script], {
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...fake },
    timeout: 30_000,
  });
  const log = join(dir, "executed.log");
  return {
    status: run.status,
    output: `${run.stdout}${run.stderr}`,
    executed: existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : [],
  };
}

describe("the upgrade check Job's script", () => {
  it("passes a new cluster at once", () => {
    const r = runCheck("cockroachdb/cockroach:v26.2.0", false, { FAKE_NO_HOST: "1" });
    expect(r.status).toBe(0);
    expect(r.output).toContain("no CockroachDB pod exists yet: nothing to upgrade");
  });

  it("turns automatic finalization off before a major upgrade, and leaves a patch alone", () => {
    const major = runCheck("cockroachdb/cockroach:v26.2.0", false, { FAKE_VERSION: "25.4" });
    expect(major.status).toBe(0);
    expect(major.executed).toEqual([
      "SHOW CLUSTER SETTING version",
      "SET CLUSTER SETTING cluster.auto_upgrade.enabled = false",
    ]);
    const patch = runCheck("cockroachdb/cockroach:v26.2.1", false, { FAKE_VERSION: "26.2" });
    expect(patch.status).toBe(0);
    expect(patch.executed).toEqual(["SHOW CLUSTER SETTING version"]);
    expect(patch.output).toContain("cluster at 26.2, image v26.2: no major upgrade");
  });

  it("allows finalization when cockroach.finalizeUpgrade is true", () => {
    const r = runCheck("cockroachdb/cockroach:v26.2.0", true, {
      FAKE_VERSION: "25.4-upgrading-to-26.1-step-010",
    });
    expect(r.status).toBe(0);
    expect(r.executed).toEqual([
      "SHOW CLUSTER SETTING version",
      "SET CLUSTER SETTING cluster.auto_upgrade.enabled = true",
    ]);
  });

  it("refuses a skipped required release before any pod is touched, naming the version and the way", () => {
    const r = runCheck("cockroachdb/cockroach:v26.2.0", false, { FAKE_VERSION: "25.2" });
    expect(r.status).toBe(REFUSED_EXIT_CODE);
    expect(r.output).toContain(
      "vsekai-infra:cockroach.image: v26.2 is not allowed on a cluster at version 25.2: CockroachDB cannot skip a required major release; upgrade to v25.3 or v25.4 first",
    );
    expect(r.executed).toEqual(["SHOW CLUSTER SETTING version"]);
  });

  it("says so when the image names no release", () => {
    const r = runCheck("cockroachdb/cockroach:latest", false, { FAKE_VERSION: "25.2" });
    expect(r.status).toBe(0);
    expect(r.output).toContain("names no CockroachDB release (vYY.R.P): the upgrade path is not checked");
  });
});
