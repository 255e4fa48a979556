import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

// vsekai-backup (tools/images/backup-tools) is Go, in the SeaweedFS image; its own tests are Go tests:
// the identities reloader signalling a real process on a change (and not before), its health endpoint,
// and how the keys check reads the file and tells a loaded key from one not loaded yet. Run here so that
// `npm test` runs them; the first run on a fresh machine fetches the AWS SDK modules through the proxy.

const MODULE = resolve(import.meta.dirname, "../../../tools/images/backup-tools");

describe("vsekai-backup's Go tests", () => {
  it("pass", { timeout: 600_000 }, () => {
    const run = spawnSync("go", ["test", "-count=1", "./..."], {
      cwd: MODULE,
      encoding: "utf8",
      env: { ...process.env, CGO_ENABLED: "0", GOFLAGS: "-mod=readonly -buildvcs=false" },
      timeout: 590_000,
    });
    const output = `${run.stdout}${run.stderr}`;
    if (run.error !== undefined) throw new Error(`go test could not run: ${run.error.message}`);
    console.log(output.trim());
    expect(run.status, output).toBe(0);
    expect(output).toMatch(/^ok\s+vsekai\.dev\/infra\/backup-tools/m);
  });
});
