import { spawnSync } from "node:child_process";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { masterStartDelay, MASTER_START_DELAY_SECONDS } from "../../../components/seaweedfs/master.ts";
import { delayedStart } from "../../../components/seaweedfs/stateful.ts";

describe("a delayed weed start", () => {
  it("is weed itself without a delay", () => {
    expect(delayedStart(0)).toEqual(["/usr/bin/weed"]);
  });

  it("waits in a shell, then becomes weed with every argument as given", () => {
    const [shell, flag, script, name] = delayedStart(1);
    expect([shell, flag, name]).toEqual(["/bin/sh", "-c", "weed"]);
    expect(script).toBe('sleep 1; exec /usr/bin/weed "$@"');
    // Run the same script with printf in weed's place: the arguments arrive one by one, spaces intact.
    const args = ["master", "-ip=vsekai-seaweedfs-master-0.peers", "-peers=a:9333,b:9333", "two words"];
    const started = Date.now();
    const run = spawnSync(
      "/bin/sh",
      ["-c", (script ?? "").replace("/usr/bin/weed", "printf '%s\\n'"), name ?? "", ...args],
      { encoding: "utf8" },
    );
    expect(run.status).toBe(0);
    expect(run.stdout.split("\n").slice(0, -1)).toEqual(args);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it("refuses a delay that is not a whole number of seconds", () => {
    for (const bad of [-1, 1.5, Number.NaN])
      expect(() => delayedStart(bad), String(bad)).toThrow(/whole number/);
  });

  it("applies to masters only when there are peers to wait for", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), (masters) => {
        expect(masterStartDelay(masters)).toBe(masters === 1 ? 0 : MASTER_START_DELAY_SECONDS);
      }),
    );
  });
});
