import { createHash } from "node:crypto";
import type * as k8s from "@pulumi/kubernetes";
import type { Resources } from "../config/types.ts";
import { evacuateScript } from "./evacuate.ts";
import { shellCommand, weedScriptJob } from "./script-job.ts";
import type { SeaweedfsScope } from "./workloads.ts";

// The Job that empties the volume servers a lower count removes (why and how: evacuate.ts). The volume
// servers' StatefulSet waits on it, so no pod goes before its volumes have moved; a failed evacuation
// fails the `up` with the StatefulSet untouched.

const JOB_RESOURCES: Resources = { cpu: "50m", memory: "128Mi", cpuLimit: "500m" };
/** Moving a full 8 GB volume between servers takes minutes; a whole server's worth, much longer. */
const EVACUATE_DEADLINE_SECONDS = 3600;
const SHELL_TIMEOUT_SECONDS = 1800;
const EVACUATE_ROUNDS = 3;

/**
 * Keyed by the count and the script, so a new count (or a new script) runs it again, and at an unchanged one
 * it stays as it is. A new name also lets Pulumi create the new Job before deleting the old (a Job's
 * template cannot change in place).
 */
export function evacuateJobName(base: string, volumeServers: number, script: string): string {
  const hash = createHash("sha256").update(script).digest("hex").slice(0, 8);
  return `${base}-${volumeServers}-${hash}`;
}

export function declareEvacuateJob(
  scope: SeaweedfsScope,
  masters: k8s.apps.v1.StatefulSet,
): k8s.batch.v1.Job {
  const keep = scope.settings.volumeServers;
  const script = evacuateScript({
    statefulSet: scope.names.volume,
    keep,
    masters: scope.masters,
    attempts: EVACUATE_ROUNDS,
    shellTimeoutSeconds: SHELL_TIMEOUT_SECONDS,
  });
  return weedScriptJob(
    scope,
    {
      resourceName: "volume-evacuate",
      objectName: evacuateJobName(scope.names.evacuateJob, keep, script),
      part: "evacuateJob",
      container: "evacuate",
      command: shellCommand(script),
      resources: JOB_RESOURCES,
      backoffLimit: 2,
      deadlineSeconds: EVACUATE_DEADLINE_SECONDS,
      ttlSecondsAfterFinished: 3600,
    },
    { dependsOn: [masters], customTimeouts: { create: "65m", update: "65m" } },
  );
}
