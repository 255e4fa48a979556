import { randomBytes } from "node:crypto";
import * as k8s from "@kubernetes/client-node";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { restrictedContainerSecurity, restrictedPodSecurity } from "../../components/shared/security.ts";
import { pinnedImage } from "./images.ts";
import { isReady } from "./pods.ts";
import { ensure, removeNamespace } from "./sql-standin.ts";

// The backup drill's off-cluster target: a second, independent SeaweedFS (one `weed server` with its S3
// API, its own keys, its data in the pod) in a namespace of its own, standing in for an S3 bucket in
// another account or region. The stack only ever knows its URL and keys. A harness fixture, not a product
// piece: destroying the stack leaves it, and the drill removes it at the end.

export const TARGET_NAMESPACE = "vsekai-backup-target";
export const TARGET_BUCKET = "vsekai-backups";
const NAME = "backup-target";
const PORT = 8333;
const LABELS = { "app.kubernetes.io/name": NAME, "app.kubernetes.io/part-of": "vsekai-dev-harness" };
const S3_CONFIG = "s3.json";
const RESTART_AFTER_SECONDS = 90;
const MAX_RESTARTS = 4;

export interface BackupTargetFixture {
  /** What the stack is told: the Service's DNS name (pods resolve it). */
  endpoint: string;
  /**
   * What the harness dials: the ready pod's own address. Not the Service's cluster IP: right after the local
   * cluster restarts, requests to a new Service's cluster IP were seen to leave the node for minutes (this
   * host's route for 10.96.0.0/12 is its default gateway, which answers 404), which read as the target
   * refusing its bucket.
   */
  harnessEndpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** One identity allowed everything on this server (it is the target's owner, not a stack's app). */
export function targetIdentities(accessKeyId: string, secretAccessKey: string): string {
  return JSON.stringify({
    identities: [
      {
        name: "backup-writer",
        credentials: [{ accessKey: accessKeyId, secretKey: secretAccessKey }],
        actions: ["Admin", "Read", "Write", "List", "Tagging"],
      },
    ],
  });
}

/** `weed server` with master, volume server, filer and S3 in one process, data in an emptyDir. */
export function targetDeployment(image: string): k8s.V1Deployment {
  return {
    metadata: { name: NAME, labels: LABELS },
    spec: {
      replicas: 1,
      selector: { matchLabels: LABELS },
      template: {
        metadata: { labels: LABELS },
        spec: {
          automountServiceAccountToken: false,
          securityContext: restrictedPodSecurity(1000) as k8s.V1PodSecurityContext,
          containers: [
            {
              name: "weed",
              image,
              imagePullPolicy: "IfNotPresent",
              command: ["/usr/bin/weed"],
              args: [
                "-logtostderr=true",
                "server",
                "-dir=/data",
                "-master.volumeSizeLimitMB=64",
                "-volume.max=64",
                "-s3",
                `-s3.port=${PORT}`,
                `-s3.config=/etc/seaweedfs/${S3_CONFIG}`,
              ],
              env: [{ name: "HOME", value: "/tmp" }],
              ports: [{ name: "s3", containerPort: PORT }],
              // S3's own health path: ready once the S3 API serves, not merely once the port is open.
              readinessProbe: {
                httpGet: { path: "/healthz", port: PORT },
                periodSeconds: 2,
                failureThreshold: 3,
              },
              resources: {
                requests: { cpu: "100m", memory: "256Mi" },
                limits: { cpu: "1", memory: "1Gi" },
              },
              securityContext: restrictedContainerSecurity() as k8s.V1SecurityContext,
              volumeMounts: [
                { name: "data", mountPath: "/data" },
                { name: "tmp", mountPath: "/tmp" },
                { name: "config", mountPath: "/etc/seaweedfs", readOnly: true },
              ],
            },
          ],
          volumes: [
            { name: "data", emptyDir: {} },
            { name: "tmp", emptyDir: {} },
            { name: "config", secret: { secretName: NAME } },
          ],
        },
      },
    },
  };
}

/** Starts the target (fresh keys each time: it is recreated per drill), makes its bucket, returns how to reach it. */
export async function ensureBackupTarget(
  kc: k8s.KubeConfig,
  timeoutSeconds = 600,
): Promise<BackupTargetFixture> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  await removeNamespace(kc, TARGET_NAMESPACE, 300);
  await core.createNamespace({
    body: {
      metadata: {
        name: TARGET_NAMESPACE,
        labels: { ...LABELS, "pod-security.kubernetes.io/enforce": "restricted" },
      },
    },
  });
  const accessKeyId = randomBytes(10).toString("hex");
  const secretAccessKey = randomBytes(20).toString("hex");
  await core.createNamespacedSecret({
    namespace: TARGET_NAMESPACE,
    body: {
      metadata: { name: NAME, labels: LABELS },
      stringData: { [S3_CONFIG]: targetIdentities(accessKeyId, secretAccessKey) },
    },
  });
  await apps.createNamespacedDeployment({
    namespace: TARGET_NAMESPACE,
    body: targetDeployment(pinnedImage("SEAWEEDFS_IMAGE")),
  });
  await ensure(() =>
    core.createNamespacedService({
      namespace: TARGET_NAMESPACE,
      body: {
        metadata: { name: NAME, labels: LABELS },
        spec: { selector: LABELS, ports: [{ name: "s3", port: PORT }] },
      },
    }),
  );
  const fixture = (podIp: string): BackupTargetFixture => ({
    endpoint: `http://${NAME}.${TARGET_NAMESPACE}.svc.cluster.local:${PORT}`,
    harnessEndpoint: `http://${podIp}:${PORT}`,
    bucket: TARGET_BUCKET,
    accessKeyId,
    secretAccessKey,
  });
  // Ready means its S3 API answers /healthz; the bucket is made once its own filer and volumes answer.
  const started = Date.now();
  const deadline = started + timeoutSeconds * 1000;
  // Restarts so far, and when the current pod's wait began.
  let restarts = 0;
  let podSince = started;
  for (;;) {
    let reached: BackupTargetFixture | undefined;
    try {
      const podIp = await readyPodIp(core);
      if (podIp === undefined) throw new Error("no ready pod yet");
      reached = fixture(podIp);
      await targetClient(reached).send(new CreateBucketCommand({ Bucket: TARGET_BUCKET }));
      return reached;
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (reached && (name === "BucketAlreadyOwnedByYou" || name === "BucketAlreadyExists")) return reached;
      if (Date.now() > deadline) {
        throw new Error(
          `the backup target did not take its bucket within ${timeoutSeconds} s (${String(error)}); ` +
            `its log's last lines:\n${await targetLog(core)}`,
        );
      }
      // The 404s once read as the server refusing its bucket came from the cluster-IP path (see
      // harnessEndpoint); a pod that still takes no bucket is the harness's own fixture, not the stack:
      // every RESTART_AFTER_SECONDS without a bucket, show its log and start a new pod, loudly, at most
      // MAX_RESTARTS times within the wait.
      if (restarts < MAX_RESTARTS && Date.now() - podSince > RESTART_AFTER_SECONDS * 1000) {
        restarts++;
        podSince = Date.now();
        console.log(
          `*** the backup target has not taken its bucket in ${Math.round((Date.now() - started) / 1000)} s ` +
            `(${String(error)}); starting a new pod (${restarts} of at most ${MAX_RESTARTS}). ` +
            `Its log's last lines:\n${await targetLog(core)} ***`,
        );
        await core.deleteCollectionNamespacedPod({
          namespace: TARGET_NAMESPACE,
          labelSelector: Object.entries(LABELS)
            .map(([k, v]) => `${k}=${v}`)
            .join(","),
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
  }
}

/** The address of the target's ready pod (one at most is ready at a time), if any. */
async function readyPodIp(core: k8s.CoreV1Api): Promise<string | undefined> {
  const pods = await core.listNamespacedPod({ namespace: TARGET_NAMESPACE });
  return pods.items.find(isReady)?.status?.podIP;
}

/** The target pod's last log lines, or why they could not be read. */
async function targetLog(core: k8s.CoreV1Api): Promise<string> {
  try {
    const pods = await core.listNamespacedPod({ namespace: TARGET_NAMESPACE });
    const pod = pods.items[0]?.metadata?.name;
    if (pod === undefined) return "(no pod)";
    return await core.readNamespacedPodLog({ name: pod, namespace: TARGET_NAMESPACE, tailLines: 20 });
  } catch (error) {
    return `(log unreadable: ${String(error)})`;
  }
}

/** An S3 client for the target as the harness reaches it, to make its bucket. */
function targetClient(fixture: BackupTargetFixture): S3Client {
  return new S3Client({
    endpoint: fixture.harnessEndpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: fixture.accessKeyId, secretAccessKey: fixture.secretAccessKey },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    maxAttempts: 1,
  });
}

export async function removeBackupTarget(kc: k8s.KubeConfig): Promise<void> {
  await removeNamespace(kc, TARGET_NAMESPACE, 300);
}
