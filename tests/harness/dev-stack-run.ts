import type { UpResult } from "@pulumi/pulumi/automation/index.js";
import { announceSqlTier, policyOptions, type DevStack } from "../../tools/stack/dev-stack.ts";
import { removeSqlStandin } from "../../tools/stack/sql-standin.ts";

// Bringing a prepared dev stack up and down in the live tests, the same way in each of them.

/** `pulumi up` with the policy pack, after saying which database tier it runs on; the engine's output kept. */
export async function upWithPack(
  dev: DevStack,
  packConfig = "dev",
): Promise<{ up: UpResult; printed: string }> {
  console.info(`\n*** ${announceSqlTier(dev.sqlTier)} ***\n`);
  let printed = "";
  const up = await dev.workspace.stack.up({
    ...policyOptions(packConfig),
    onOutput: (text) => (printed += text),
  });
  return { up, printed };
}

/** Destroys the stack, then removes its SQL stand-in and temporary workspace even when the destroy failed. */
export async function tearDownDevStack(dev: DevStack | undefined): Promise<void> {
  try {
    await dev?.workspace.stack.destroy();
  } finally {
    if (dev !== undefined) await removeSqlStandin(dev.kubeConfig);
    dev?.workspace.cleanup();
  }
}
