import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { BackupTarget } from "../config/backup.ts";
import type { Resources } from "../config/types.ts";
import { S3_ACCESS_KEY_ID_KEY, S3_SECRET_ACCESS_KEY_KEY } from "../shared/endpoints.ts";
import { workloadLabels } from "../shared/labels.ts";
import { TOOLS_BINARY } from "./args.ts";
import { backupCredentials, objectBackupDirectory, storeEnv } from "./backup.ts";
import { TMP_DIR, TMP_MOUNT, TMP_VOLUME } from "./pod.ts";
import { weedContainer, weedPod, type SeaweedfsScope } from "./workloads.ts";

// Restoring objects: a Job (`vsekai-backup restore`, in the SeaweedFS image) copies everything
// filer.backup wrote for the bucket back into it, through the stack's own S3 gateway, so chunks and metadata are written together and nothing in the listing can
// point at a missing chunk. It never deletes, and skips what is already there, so running it twice is
// harmless; a new `backup.restore.run` runs it again. Pulumi awaits it: `pulumi up` fails if it fails.

type EnvVar = k8s.types.input.core.v1.EnvVar;

const RESTORE_RESOURCES: Resources = { cpu: "100m", memory: "512Mi", cpuLimit: "1" };
const RESTORE_DEADLINE_SECONDS = 6 * 3600;
/**
 * Kept a week, for its log. Once it is gone, a `pulumi up --refresh` would run it again, and copy back
 * objects deleted since: remove backup.restore.run once the restore is done.
 */
const RESTORE_KEPT_SECONDS = 7 * 86400;

export interface RestoreRequest {
  /** Names this restore; a new value is a new Job. */
  run: string;
}

/** The environment `vsekai-backup restore` reads: from the backup target, to the stack's gateway. */
export function restoreEnv(o: {
  target: BackupTarget;
  backupCredentialsSecret: pulumi.Input<string>;
  bucket: string;
  s3Url: string;
  s3CredentialsSecret: string;
}): EnvVar[] {
  return [
    ...storeEnv(
      "SOURCE",
      { ...o.target, prefix: `${objectBackupDirectory(o.target)}/${o.bucket}` },
      backupCredentials(o.backupCredentialsSecret),
    ),
    ...storeEnv(
      "DEST",
      { endpoint: o.s3Url, bucket: o.bucket, pathStyle: true },
      {
        secretName: o.s3CredentialsSecret,
        keyIdKey: S3_ACCESS_KEY_ID_KEY,
        secretKeyKey: S3_SECRET_ACCESS_KEY_KEY,
      },
    ),
  ];
}

/** The Job's name: one per run, so Kubernetes keeps each restore's record and a new run is a new Job. */
export function restoreJobName(base: string, run: string): string {
  return `${base}-${run}`.slice(0, 63).replace(/-+$/, "");
}

/** The restore Job, once the gateways and the bucket are ready. */
export function declareRestoreJob(
  scope: SeaweedfsScope,
  o: {
    request: RestoreRequest;
    target: BackupTarget;
    backupCredentialsSecret: pulumi.Input<string>;
    s3Url: string;
  },
  dependsOn: pulumi.Resource[],
): k8s.batch.v1.Job {
  const labels = workloadLabels(scope.workloads.restore, scope.version);
  return new k8s.batch.v1.Job(
    `${scope.name}-restore-${o.request.run}`,
    {
      metadata: {
        name: restoreJobName(scope.names.restoreJob, o.request.run),
        namespace: scope.placement.namespace,
        labels,
      },
      spec: {
        backoffLimit: 2,
        activeDeadlineSeconds: RESTORE_DEADLINE_SECONDS,
        ttlSecondsAfterFinished: RESTORE_KEPT_SECONDS,
        template: {
          metadata: { labels },
          spec: weedPod(
            scope.workloads.restore,
            {
              restartPolicy: "Never",
              volumes: [TMP_VOLUME],
              containers: [
                weedContainer(scope, "restore", RESTORE_RESOURCES, {
                  command: [TOOLS_BINARY, "restore"],
                  workingDir: TMP_DIR,
                  env: restoreEnv({
                    target: o.target,
                    backupCredentialsSecret: o.backupCredentialsSecret,
                    bucket: scope.settings.bucket,
                    s3Url: o.s3Url,
                    s3CredentialsSecret: scope.names.s3CredentialsSecret,
                  }),
                  volumeMounts: [TMP_MOUNT],
                }),
              ],
            },
            false,
          ),
        },
      },
    },
    { parent: scope.parent, dependsOn, customTimeouts: { create: "6h", update: "6h" } },
  );
}
