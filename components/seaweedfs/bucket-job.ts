import type * as k8s from "@pulumi/kubernetes";
import type { Resources } from "../config/types.ts";
import { bucketJobScript } from "./bucket.ts";
import { filerAddress } from "./topology.ts";
import { shellCommand, weedScriptJob } from "./script-job.ts";
import type { SeaweedfsScope } from "./workloads.ts";

// The Job that makes the app's bucket (why a Job: see bucket.ts). Pulumi awaits it, so "S3 is ready"
// includes "the bucket exists".

const JOB_RESOURCES: Resources = { cpu: "50m", memory: "128Mi", cpuLimit: "500m" };
/**
 * It starts with the cluster, so its first rounds find no master or filer yet. A round is two shell runs
 * of at most 10 s each and a 2 s pause: up to 100 rounds within a 10-minute deadline, 3 pods.
 */
const BUCKET_ATTEMPTS = 100;
const BUCKET_DEADLINE_SECONDS = 600;
const SHELL_TIMEOUT_SECONDS = 10;

/** The bucket Job, created once the masters are ready (it retries until a filer answers). */
export function declareBucketJob(scope: SeaweedfsScope, masters: k8s.apps.v1.StatefulSet): k8s.batch.v1.Job {
  return weedScriptJob(
    scope,
    {
      resourceName: "bucket",
      objectName: scope.names.bucketJob,
      part: "bucketJob",
      container: "bucket",
      command: shellCommand(
        bucketJobScript({
          bucket: scope.settings.bucket,
          masters: scope.masters,
          filer: filerAddress(scope.address),
          attempts: BUCKET_ATTEMPTS,
          shellTimeoutSeconds: SHELL_TIMEOUT_SECONDS,
        }),
      ),
      resources: JOB_RESOURCES,
      backoffLimit: 3,
      deadlineSeconds: BUCKET_DEADLINE_SECONDS,
      ttlSecondsAfterFinished: 3600,
    },
    {
      dependsOn: [masters],
      // The name is fixed and a Job's template is immutable: replace it in place.
      deleteBeforeReplace: true,
      customTimeouts: { create: "15m", update: "15m" },
    },
  );
}
