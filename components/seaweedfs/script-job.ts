import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { Resources } from "../config/types.ts";
import { workloadLabels } from "../shared/labels.ts";
import { HOME, TMP_DIR, TMP_MOUNT, TMP_VOLUME } from "./pod.ts";
import {
  weedContainer,
  weedPod,
  type Part,
  type SeaweedfsScope,
  type Volume,
  type VolumeMount,
} from "./workloads.ts";

// A Job that runs one command in the SeaweedFS image (an sh script with weed shell inside it, or one of our
// tools), restricted like every SeaweedFS pod. The bucket, volume evacuation and S3 keys Jobs use it.

export interface WeedScriptJobArgs {
  /** The Pulumi resource name, after the component's. */
  resourceName: string;
  /** The Job object's name. */
  objectName: pulumi.Input<string>;
  part: Part;
  container: string;
  command: string[];
  /** Besides /tmp. */
  volumes?: { volume: Volume; mount: VolumeMount }[];
  resources: Resources;
  backoffLimit: number;
  deadlineSeconds: number;
  /** On the Job object (e.g. the provider's pulumi.com/replaceUnready). */
  annotations?: Record<string, string>;
  /** Every such Job is idempotent, so it need not be kept: a later `up` that finds it gone runs it again. */
  ttlSecondsAfterFinished: number;
}

export function shellCommand(script: string): string[] {
  return ["/bin/sh", "-c", script];
}

export function weedScriptJob(
  scope: SeaweedfsScope,
  a: WeedScriptJobArgs,
  opts: pulumi.CustomResourceOptions,
): k8s.batch.v1.Job {
  const workload = scope.workloads[a.part];
  const labels = workloadLabels(workload, scope.version);
  return new k8s.batch.v1.Job(
    `${scope.name}-${a.resourceName}`,
    {
      metadata: {
        name: a.objectName,
        namespace: scope.placement.namespace,
        labels,
        ...(a.annotations === undefined ? {} : { annotations: a.annotations }),
      },
      spec: {
        backoffLimit: a.backoffLimit,
        activeDeadlineSeconds: a.deadlineSeconds,
        ttlSecondsAfterFinished: a.ttlSecondsAfterFinished,
        template: {
          metadata: { labels },
          spec: weedPod(
            workload,
            {
              restartPolicy: "Never",
              volumes: [TMP_VOLUME, ...(a.volumes ?? []).map((v) => v.volume)],
              containers: [
                weedContainer(scope, a.container, a.resources, {
                  command: a.command,
                  // A failure's last log lines become the pod's termination message, which `up` prints.
                  terminationMessagePolicy: "FallbackToLogsOnError",
                  workingDir: TMP_DIR,
                  env: [HOME],
                  volumeMounts: [TMP_MOUNT, ...(a.volumes ?? []).map((v) => v.mount)],
                }),
              ],
            },
            false,
          ),
        },
      },
    },
    { parent: scope.parent, ...opts },
  );
}
