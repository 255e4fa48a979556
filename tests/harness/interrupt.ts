import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { HARNESS, policyOptions } from "../../tools/stack/dev-stack.ts";
import { pulumiCommand } from "../../tools/stack/workspace.ts";
import { applySettings, appRunsOnly, migrationJobExists } from "./ha-changes.ts";
import { stackWhole } from "./ha-scenarios.ts";
import { HA_STACK, type HaStack } from "./ha-stack.ts";
import type { Scenario } from "./scenarios.ts";

// An `up` stopped in the middle (issue 11): the engine is sent SIGINT (it finishes the operations in flight
// and records them, then stops) or SIGKILL (nothing is recorded past that moment: operations in flight stay
// "pending" in the state and the DIY backend's lock file stays). Then the steps Pulumi documents for each,
// and an `up` that must converge, and a check that the cluster holds nothing the state does not know.

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface Interruption {
  signal: "SIGINT" | "SIGKILL";
  /** From the start of the `up` to the signal, and to the engine's exit. */
  signalledAfterSeconds: number;
  exitedAfterSeconds: number;
  /** How the engine ended (exit code or signal) and its last lines. */
  exit: string;
  output: string;
}

/**
 * Sets `settings`, starts `pulumi up` as a user would (the CLI, with the policy pack), sends `signal` once
 * `inFlight` holds (polled every 250 ms, at most `boundSeconds`), and waits for the engine to end.
 */
export async function interruptedUp(
  ha: HaStack,
  settings: Record<string, string>,
  signal: Interruption["signal"],
  inFlight: () => Promise<boolean>,
  boundSeconds = 180,
): Promise<Interruption> {
  const ws = ha.stack.workspace;
  await applySettings(ha, settings);
  const pack = policyOptions(HARNESS[HA_STACK].packConfig);
  const args = [
    "up",
    "--yes",
    "--skip-preview",
    "--non-interactive",
    "--stack",
    HA_STACK,
    ...pack.policyPacks.flatMap((p) => ["--policy-pack", p]),
    ...pack.policyPackConfigs.flatMap((c) => ["--policy-pack-config", c]),
  ];
  const started = performance.now();
  const engine = spawn((await pulumiCommand()).command, args, {
    cwd: ws.projectDir,
    env: { ...process.env, ...ws.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  engine.stdout.on("data", keep);
  engine.stderr.on("data", keep);
  const exited = new Promise<string>((resolve) =>
    engine.once("exit", (code, sig) => resolve(sig === null ? `exit code ${code}` : `killed by ${sig}`)),
  );
  let done: string | undefined;
  void exited.then((how) => (done = how));

  let signalledAfterSeconds: number | undefined;
  for (let waited = 0; waited < boundSeconds * 4 && done === undefined; waited++) {
    let ready = false;
    try {
      ready = await inFlight();
    } catch {
      // not yet
    }
    if (ready) {
      engine.kill(signal);
      signalledAfterSeconds = (performance.now() - started) / 1000;
      break;
    }
    await sleep(250);
  }
  if (signalledAfterSeconds === undefined) {
    if (done === undefined) engine.kill("SIGKILL");
    const how = await exited;
    throw new Error(
      `the up ended (${how}) before it was in flight, or never got there; its last lines:\n${output.slice(-3000)}`,
    );
  }
  // SIGINT waits for the operations in flight (a Job's await is bounded by its deadline): bounded here too.
  const how = await Promise.race([exited, sleep(900_000).then(() => "still running after 900 s")]);
  if (how.startsWith("still running")) engine.kill("SIGKILL");
  return {
    signal,
    signalledAfterSeconds,
    exitedAfterSeconds: (performance.now() - started) / 1000,
    exit: how,
    output,
  };
}

/** Lock files the DIY backend holds for the stack (a killed engine leaves its own behind). */
export function stackLocks(ha: HaStack): string[] {
  const root = join(ha.stack.workspace.dir, "state", ".pulumi", "locks");
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, encoding: "utf8" }).filter((path) => path.endsWith(".json"));
}

/**
 * What Pulumi documents after an interrupted update: `pulumi cancel` to clear the lock a killed engine left,
 * `pulumi refresh --clear-pending-creates` to drop creates it never saw finish (the next `up` creates
 * those objects again, and server-side apply takes over any the cluster already has), then `up`. Returns
 * the steps taken, for the report.
 */
export async function recoverAndUp(ha: HaStack): Promise<string[]> {
  const ws = ha.stack.workspace;
  const steps: string[] = [];
  if (stackLocks(ha).length > 0) {
    const cancel = spawnSync((await pulumiCommand()).command, ["cancel", "--yes", "--stack", HA_STACK], {
      cwd: ws.projectDir,
      env: { ...process.env, ...ws.env },
      encoding: "utf8",
      timeout: 120_000,
    });
    if (cancel.status !== 0) throw new Error(`pulumi cancel failed: ${cancel.stdout}${cancel.stderr}`);
    steps.push("pulumi cancel (the killed engine's lock)");
  }
  await ws.stack.refresh({ clearPendingCreates: true });
  steps.push("pulumi refresh --clear-pending-creates");
  await ws.stack.up(policyOptions(HARNESS[HA_STACK].packConfig));
  steps.push("pulumi up");
  return steps;
}

interface Listed {
  kind: string;
  metadata: { name: string; ownerReferences?: unknown[] };
}

/**
 * Objects in the stack's namespace that no resource in the state names and no other object owns: what an
 * interrupted update could leave behind. Kinds the stack declares; the namespace's own CA ConfigMap aside.
 */
export async function orphans(ha: HaStack): Promise<string[]> {
  const state = (await ha.stack.workspace.stack.exportStack()).deployment as {
    resources?: {
      type: string;
      outputs?: { kind?: string; metadata?: { name?: string; namespace?: string } };
    }[];
  };
  const known = new Set(
    (state.resources ?? [])
      .filter((r) => r.type.startsWith("kubernetes:") && r.outputs?.metadata?.namespace === ha.namespace)
      .map((r) => `${r.outputs?.kind}/${r.outputs?.metadata?.name}`),
  );
  const kinds =
    "deployments,statefulsets,services,jobs,secrets,configmaps,networkpolicies,poddisruptionbudgets,ingresses";
  const live = JSON.parse(ha.context.kubectl(["-n", ha.namespace, "get", kinds, "-o", "json"])) as {
    items: Listed[];
  };
  return live.items
    .filter((item) => (item.metadata.ownerReferences ?? []).length === 0)
    .filter((item) => !(item.kind === "ConfigMap" && item.metadata.name === "kube-root-ca.crt"))
    .map((item) => `${item.kind}/${item.metadata.name}`)
    .filter((id) => !known.has(id))
    .sort();
}

export interface InterruptedChangeRecord {
  interruption?: Interruption;
  steps: string[];
}

/**
 * An image change whose `up` is interrupted once the new release's migration Job exists, recovered as
 * documented, as a scenario under load: whole again once `serving` alone serves.
 */
export function interruptedRelease(
  ha: HaStack,
  name: string,
  image: string,
  signal: Interruption["signal"],
  record: InterruptedChangeRecord,
): Scenario {
  let changed = false;
  return {
    name,
    async inject() {
      changed = true;
      record.interruption = await interruptedUp(ha, { "app.image": image }, signal, () =>
        migrationJobExists(ha, image),
      );
      record.steps = await recoverAndUp(ha);
      const i = record.interruption;
      return `${signal} ${i.signalledAfterSeconds.toFixed(1)} s into the up, engine ended after ${i.exitedAfterSeconds.toFixed(1)} s (${i.exit}); then ${record.steps.join(", ")}`;
    },
    whole: async () => (await stackWhole(ha.context)) && (!changed || (await appRunsOnly(ha, image))),
    recoveryBoundSeconds: 300,
  };
}
