import { createHash } from "node:crypto";

/**
 * The migration Job's name, keyed by what it runs: the image and the command. A Job's pod template is
 * immutable and a finished Job never runs again, so a new image must mean a new Job. Changing
 * `metadata.name` makes Pulumi replace the Job (create the new one, await its completion, then delete the
 * old one), and the Deployment, which depends on the Job, rolls only after that completion. An unchanged
 * image and command keep the name, so an `up` that only scales the app does not migrate again.
 */
export function migrationJobName(base: string, image: string, command: string[]): string {
  const hash = createHash("sha256")
    .update(JSON.stringify([image, command]))
    .digest("hex")
    .slice(0, 10);
  return `${base}-${hash}`;
}

/** One pod at a time, never in parallel: CockroachDB has no advisory lock to serialise two migrators. */
export const MIGRATION_JOB_LIMITS = {
  parallelism: 1,
  completions: 1,
  backoffLimit: 2,
  activeDeadlineSeconds: 1800,
  /** Long enough to read the logs of a failed run the next morning. */
  ttlSecondsAfterFinished: 86400,
} as const;
