import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { bucketJobScript } from "../../../components/seaweedfs/bucket.ts";
import { bucketNameProblem } from "../../../components/config/bucket-name.ts";
import { MASTER_FQDNS } from "./fixtures.ts";

const FILER = "vsekai-seaweedfs-filer.vsekai-test.svc.cluster.local:8888";

describe("bucketNameProblem", () => {
  it("accepts S3 bucket names", () => {
    for (const ok of ["uro", "v-sekai.media", "a1b", "x".repeat(63)]) {
      expect(bucketNameProblem(ok), ok).toBeUndefined();
    }
  });

  it("refuses what SeaweedFS refuses, saying why", () => {
    expect(bucketNameProblem("ab")).toBe('"ab" must be 3 to 63 characters');
    expect(bucketNameProblem("x".repeat(64))).toContain("must be 3 to 63 characters");
    for (const bad of ["Uro", "-uro", "uro-", "u_ro", "uro;rm", "uro bucket", "$(id)"]) {
      expect(bucketNameProblem(bad), bad).toContain(
        "may hold only lowercase letters, digits, dots and hyphens",
      );
    }
    expect(bucketNameProblem("a..b")).toBe('"a..b" must not contain two dots in a row');
    expect(bucketNameProblem("10.0.0.1")).toBe('"10.0.0.1" must not look like an IP address');
    expect(bucketNameProblem("xn--uro")).toContain("reserved");
    expect(bucketNameProblem("uro-s3alias")).toContain("reserved");
  });

  it("keeps a bad name out of the script", () => {
    expect(() =>
      bucketJobScript({
        bucket: "uro;reboot",
        masters: MASTER_FQDNS,
        filer: FILER,
        attempts: 3,
        shellTimeoutSeconds: 5,
      }),
    ).toThrow("seaweedfs.bucket:");
  });
});

describe("bucketJobScript", () => {
  const script = bucketJobScript({
    bucket: "uro",
    masters: MASTER_FQDNS,
    filer: FILER,
    attempts: 3,
    shellTimeoutSeconds: 30,
  });

  it("talks to all masters and the filer Service, each shell run bounded", () => {
    expect(script).toContain(
      `timeout 30 /usr/bin/weed shell -master=${MASTER_FQDNS.join(",")} -filer=${FILER}`,
    );
    expect(script).toContain('echo "s3.bucket.create -name $bucket"');
    expect(script).toContain('echo "s3.bucket.list"');
    expect(script).toContain('if [ "$attempt" -ge 3 ]; then');
  });

  // The script run for real by /bin/sh against a fake `weed` that keeps its buckets in a directory.
  describe("run against a fake weed shell", () => {
    let dir: string;
    let fakeWeed: string;

    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), "bucket-job-"));
      fakeWeed = join(dir, "weed");
      writeFileSync(
        fakeWeed,
        [
          "#!/bin/sh",
          'state="$FAKE_STATE"',
          "read -r line || exit 0",
          'echo "$line" >> "$state/calls"',
          'if [ -e "$state/down" ]; then echo "connect: connection refused" >&2; exit 0; fi',
          'case "$line" in',
          '  "s3.bucket.create -name "*)',
          "    name=${line#s3.bucket.create -name }",
          '    if [ -e "$state/buckets/$name" ]; then echo "bucket $name already exists" >&2; exit 0; fi',
          '    if [ -e "$state/refuse" ]; then echo "permission denied" >&2; exit 0; fi',
          '    mkdir -p "$state/buckets" && touch "$state/buckets/$name" ;;',
          '  "s3.bucket.list")',
          '    for b in "$state"/buckets/*; do [ -e "$b" ] && printf "  %s\\tsize:0\\tchunk:0\\n" "${b##*/}"; done ;;',
          "esac",
          "exit 0",
        ].join("\n"),
      );
      chmodSync(fakeWeed, 0o755);
    });

    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    function run(): { status: number | null; stdout: string; stderr: string; calls: string[] } {
      const runnable = script.replaceAll("/usr/bin/weed", fakeWeed).replaceAll("sleep 2", "sleep 0");
      const result = spawnSync("/bin/sh", ["-c", runnable], {
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", FAKE_STATE: dir },
        encoding: "utf8",
        timeout: 20_000,
      });
      const calls = spawnSync("cat", [join(dir, "calls")], { encoding: "utf8" }).stdout;
      return {
        status: result.status,
        stdout: result.stdout,
        stderr: result.stderr,
        calls: calls.trim().split("\n"),
      };
    }

    it("creates a missing bucket and proves it by listing", () => {
      const r = run();
      expect(r.status).toBe(0);
      expect(r.stdout).toContain("bucket uro exists");
      expect(r.calls).toEqual(["s3.bucket.create -name uro", "s3.bucket.list"]);
    });

    it("succeeds again when the bucket already exists (and create complains)", () => {
      expect(run().status).toBe(0);
      const again = run();
      expect(again.status).toBe(0);
      expect(again.stdout).toContain("bucket uro exists");
    });

    it("does not mistake a bucket with a longer name for its own", () => {
      spawnSync("mkdir", ["-p", join(dir, "buckets")]);
      writeFileSync(join(dir, "buckets", "uro2"), "");
      writeFileSync(join(dir, "refuse"), "");
      const r = run();
      expect(r.status).toBe(1);
      expect(r.stderr).toContain("bucket uro could not be created: permission denied");
    });

    it("gives up after the bounded number of rounds while the cluster is down", () => {
      writeFileSync(join(dir, "down"), "");
      const r = run();
      expect(r.status).toBe(1);
      expect(r.stderr).toContain("bucket uro could not be created: connect: connection refused");
      expect(r.calls.filter((c) => c.startsWith("s3.bucket.create"))).toHaveLength(3);
    });
  });
});
