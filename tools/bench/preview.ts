import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { policyOptions } from "../stack/dev-stack.ts";
import { stackWorkspace } from "../stack/workspace.ts";

// No-op preview time per stack with the real engine and the policy pack: each stack is first brought up in
// render mode (manifests to a temp dir, no cluster needed), then previewed with nothing to change, the
// situation of every pull request that touches no infrastructure. Prints figures; asserts nothing.

const rounds = Number(process.env.VSEKAI_BENCH_ROUNDS ?? 3);
for (const stackName of ["dev", "staging", "prod"]) {
  const rendered = mkdtempSync(join(tmpdir(), `vsekai-bench-render-${stackName}-`));
  const ws = await stackWorkspace({
    stackName,
    passphrase: "vsekai-bench",
    config: { renderYamlTo: { value: rendered } },
  });
  try {
    let started = Date.now();
    await ws.stack.up(policyOptions(stackName));
    const upSeconds = (Date.now() - started) / 1000;
    const times: number[] = [];
    for (let i = 0; i < rounds; i++) {
      started = Date.now();
      const result = await ws.stack.preview(policyOptions(stackName));
      times.push((Date.now() - started) / 1000);
      const changed = Object.entries(result.changeSummary).filter(([op]) => op !== "same");
      if (changed.length > 0)
        console.log(`  note: ${stackName} preview was not a no-op: ${JSON.stringify(changed)}`);
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)] ?? 0;
    console.log(
      `${stackName}: first up (render) ${upSeconds.toFixed(1)}s; no-op preview with policy pack: ` +
        `median ${median.toFixed(1)}s of ${rounds} (${times.map((t) => t.toFixed(1)).join(", ")})`,
    );
  } finally {
    ws.cleanup();
    rmSync(rendered, { recursive: true, force: true });
  }
}
