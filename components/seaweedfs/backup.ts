import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { BackupTarget } from "../config/backup.ts";
import { BACKUP_SUBPATHS } from "../config/backup.ts";
import type { Resources } from "../config/types.ts";
import { SKIP_AWAIT } from "../shared/awaiting.ts";
import { BACKUP_KEY_ID_KEY, BACKUP_SECRET_KEY_KEY } from "../shared/backup-target.ts";
import { selectorLabels } from "../shared/labels.ts";
import { TOOLS_BINARY, WEED_BINARY } from "./args.ts";
import { HOME, TMP_DIR, TMP_MOUNT, TMP_VOLUME } from "./pod.ts";
import { METRICS_PORT_NAME } from "./probes.ts";
import { filerAddress } from "./topology.ts";
import {
  CONFIG_HASH_ANNOTATION,
  objectMeta,
  sha256,
  weedContainer,
  weedPod,
  type Container,
  type SeaweedfsScope,
} from "./workloads.ts";

type EnvVar = k8s.types.input.core.v1.EnvVar;

// Continuous object backup: `weed filer.backup` follows the filer's metadata log and copies every file
// under /buckets, whole, to the backup target's S3 bucket under <prefix>/seaweedfs/. Its checkpoint is
// kept in the source filer's key-value store (our SQL metadata database), so a restarted pod resumes
// where the last one stopped, with no volume of its own. It runs under `vsekai-backup agent`
// (tools/images/backup-tools), which starts it again when it exits and sends a canary through it every
// 30 s: the time written into a file under /buckets, read back from the target. That round trip is the
// backup's lag, and its last success is the metric monitoring alerts on.

/** Where the filers keep S3 buckets; everything under it is backed up. */
export const BUCKETS_DIR = "/buckets";
export const BACKUP_CONFIG_DIR = "/etc/seaweedfs";
export const BACKUP_CONFIG_FILE = "replication.toml";
/** The agent's /metrics, /healthz and /readyz. */
export const BACKUP_AGENT_PORT = 9328;
/** The canary: a file directly under /buckets, which S3 lists as no bucket (a file, its name starts with "."). */
export const CANARY_NAME = ".vsekai-backup-canary";

const BACKUP_RESOURCES: Resources = { cpu: "50m", memory: "256Mi", cpuLimit: "1" };

const tomlString = (text: string) => JSON.stringify(text);

/** The key prefix objects land under in the target bucket: `<prefix>/seaweedfs` (no slashes at the ends). */
export function objectBackupDirectory(target: Pick<BackupTarget, "prefix">): string {
  return [target.prefix, BACKUP_SUBPATHS.objects].filter((p) => p !== "").join("/");
}

/**
 * filer.backup's replication.toml: the S3 sink only. It holds no keys: left empty, they come from
 * AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (the AWS SDK's environment provider), read from the Secret.
 * The upload part size is given as `uploader_part_size` because that is the key weed reads (its default is
 * registered under `uploader_part_size_mb`, which nothing reads, leaving a part size of 0).
 */
export function filerBackupToml(target: BackupTarget): string {
  return [
    "# Written by vsekai-infra (components/seaweedfs/backup.ts). No credentials here: see the pod's env.",
    "[sink.s3]",
    "enabled = true",
    'aws_access_key_id = ""',
    'aws_secret_access_key = ""',
    `region = ${tomlString(target.region)}`,
    `bucket = ${tomlString(target.bucket)}`,
    `directory = ${tomlString(`/${objectBackupDirectory(target)}`)}`,
    `endpoint = ${tomlString(target.endpoint)}`,
    `s3_force_path_style = ${target.pathStyle}`,
    "is_incremental = false",
    "uploader_part_size = 8",
    "",
  ].join("\n");
}

/** An env var read from a Secret's key, never a value. */
export function secretEnv(name: string, secretName: pulumi.Input<string>, key: string): EnvVar {
  return { name, valueFrom: { secretKeyRef: { name: secretName, key } } };
}

/**
 * One S3 store as `vsekai-backup` reads it (tools/images/backup-tools/store.go): `<side>_ENDPOINT`,
 * `_BUCKET`, `_REGION`, `_PATH_STYLE`, and the keys from `credentials` (a Secret and its two key names).
 */
export function storeEnv(
  side: "TARGET" | "SOURCE" | "DEST",
  store: { endpoint: string; bucket: string; region?: string; pathStyle: boolean; prefix?: string },
  credentials: { secretName: pulumi.Input<string>; keyIdKey: string; secretKeyKey: string },
): EnvVar[] {
  return [
    { name: `${side}_ENDPOINT`, value: store.endpoint },
    { name: `${side}_BUCKET`, value: store.bucket },
    ...(store.prefix === undefined ? [] : [{ name: `${side}_PREFIX`, value: store.prefix }]),
    ...(store.region === undefined ? [] : [{ name: `${side}_REGION`, value: store.region }]),
    { name: `${side}_PATH_STYLE`, value: String(store.pathStyle) },
    secretEnv(`${side}_ACCESS_KEY_ID`, credentials.secretName, credentials.keyIdKey),
    secretEnv(`${side}_SECRET_ACCESS_KEY`, credentials.secretName, credentials.secretKeyKey),
  ];
}

/** The backup credentials Secret under the key names the AWS SDKs read from the environment. */
export function backupCredentials(secretName: pulumi.Input<string>) {
  return { secretName, keyIdKey: BACKUP_KEY_ID_KEY, secretKeyKey: BACKUP_SECRET_KEY_KEY };
}

/** The agent's environment: where the canary is written and read back; the keys by Secret reference. */
export function backupAgentEnv(
  target: BackupTarget,
  filerHttp: string,
  credentialsSecretName: pulumi.Input<string>,
): EnvVar[] {
  return [
    { name: "CANARY_URL", value: `http://${filerHttp}${BUCKETS_DIR}/${CANARY_NAME}` },
    { name: "CANARY_KEY", value: `${objectBackupDirectory(target)}/${CANARY_NAME}` },
    { name: "LISTEN", value: `:${BACKUP_AGENT_PORT}` },
    ...storeEnv("TARGET", target, backupCredentials(credentialsSecretName)),
    // filer.backup (the agent's child) reads these two; the agent its TARGET_ copies.
    secretEnv(BACKUP_KEY_ID_KEY, credentialsSecretName, BACKUP_KEY_ID_KEY),
    secretEnv(BACKUP_SECRET_KEY_KEY, credentialsSecretName, BACKUP_SECRET_KEY_KEY),
  ];
}

/** Liveness: filer.backup has not been down a minute. Readiness: a canary has come back. */
export function backupAgentProbes(): Pick<Container, "livenessProbe" | "readinessProbe"> {
  const get = (path: string) => ({ httpGet: { path, port: METRICS_PORT_NAME } });
  return {
    livenessProbe: { ...get("/healthz"), periodSeconds: 20, timeoutSeconds: 3, failureThreshold: 3 },
    readinessProbe: { ...get("/readyz"), periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 1 },
  };
}

/**
 * The command line. Deletions are not mirrored (-doDeleteFiles=false): a backup that loses what was
 * deleted by mistake would not be one. Offsets are resumed from the filer, so no -timeAgo.
 */
export function filerBackupArgs(filer: string): string[] {
  return [
    "-logtostderr=true",
    "filer.backup",
    `-filer=${filer}`,
    `-filerPath=${BUCKETS_DIR}`,
    "-doDeleteFiles=false",
  ];
}

/** The ConfigMap and the Deployment (one replica: two would write the same objects under one checkpoint). */
export function declareFilerBackup(
  scope: SeaweedfsScope,
  target: BackupTarget,
  credentialsSecretName: pulumi.Input<string>,
  filers: k8s.apps.v1.Deployment,
): k8s.apps.v1.Deployment {
  const names = scope.names;
  const child = { parent: scope.parent };
  const toml = filerBackupToml(target);
  const config = new k8s.core.v1.ConfigMap(
    `${scope.name}-backup-config`,
    { metadata: objectMeta(scope, names.backupConfig, "backup"), data: { [BACKUP_CONFIG_FILE]: toml } },
    child,
  );
  const metadata = objectMeta(scope, names.backup, "backup");
  const filer = filerAddress(scope.address);
  return new k8s.apps.v1.Deployment(
    `${scope.name}-backup`,
    {
      metadata: { ...metadata, annotations: SKIP_AWAIT },
      spec: {
        replicas: 1,
        selector: { matchLabels: selectorLabels(scope.workloads.backup) },
        strategy: { type: "Recreate" },
        template: {
          metadata: { labels: metadata.labels, annotations: { [CONFIG_HASH_ANNOTATION]: sha256(toml) } },
          spec: weedPod(
            scope.workloads.backup,
            {
              volumes: [TMP_VOLUME, { name: "config", configMap: { name: names.backupConfig } }],
              containers: [
                weedContainer(scope, "backup", BACKUP_RESOURCES, {
                  command: [TOOLS_BINARY],
                  args: ["agent", "--", WEED_BINARY, ...filerBackupArgs(filer)],
                  workingDir: TMP_DIR,
                  env: [HOME, ...backupAgentEnv(target, filer, credentialsSecretName)],
                  ports: [{ name: METRICS_PORT_NAME, containerPort: BACKUP_AGENT_PORT, protocol: "TCP" }],
                  ...backupAgentProbes(),
                  volumeMounts: [TMP_MOUNT, { name: "config", mountPath: BACKUP_CONFIG_DIR, readOnly: true }],
                }),
              ],
            },
            false,
          ),
        },
      },
    },
    // Not awaited: its first canary waits for the whole initial copy, hours for a large store.
    { ...child, dependsOn: [config, filers] },
  );
}
