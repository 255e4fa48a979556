import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { Resources } from "../config/types.ts";
import { selectorLabels } from "../shared/labels.ts";
import { TOOLS_BINARY, WEED_BINARY } from "./args.ts";
import { S3_CONFIG_DIR, S3_CONFIG_FILE } from "./identities.ts";
import { TMP_MOUNT, servicePorts } from "./pod.ts";
import { weedScriptJob } from "./script-job.ts";
import { S3_PORT, s3PodsFqdn } from "./topology.ts";
import {
  objectMeta,
  weedContainer,
  type Container,
  type SeaweedfsScope,
  type Volume,
  type VolumeMount,
} from "./workloads.ts";

// How a change of the S3 identities file reaches the running gateways without restarting them, and how the
// stack knows it has, before it hands the app new keys.
//
// A restarted gateway closes its kept-alive connections, and a client that picked one up at that instant
// sees its request reset: rolling the gateways for a rotation failed about one request in 1400 here. weed
// reloads its `-config` file on SIGHUP instead (weed/s3api/s3api_server.go, grace.OnReload): a sidecar in
// each gateway pod (the pod shares its process namespace) signals weed when the kubelet updates the mounted
// Secret, which it does on its periodic pod sync, within about a minute.
//
// The keys Job then signs a request with every key in the file to every ready gateway, and passes once
// each accepts all of them. The file's revision key (identities.ts) makes that proof exact: a gateway that
// accepts it has loaded this very file, so it has also dropped any retired key. The app's credentials
// Secret waits on the Job, so the app is never handed a key some gateway would refuse.

const RELOADER_RESOURCES: Resources = { cpu: "5m", memory: "24Mi", cpuLimit: "50m" };
const KEYS_JOB_RESOURCES: Resources = { cpu: "20m", memory: "64Mi", cpuLimit: "500m" };
/** Above the kubelet's sync period (a minute and jitter) and vsekai-backup's own 8-minute deadline. */
const KEYS_JOB_DEADLINE_SECONDS = 600;

/** The reloader's /healthz (beside the backup agent's 9328). */
export const RELOADER_HEALTH_PORT = 9329;
const RELOADER_PORT_NAME = "reloader";

export const IDENTITIES_VOLUME = "identities";
export const IDENTITIES_PATH = `${S3_CONFIG_DIR}/${S3_CONFIG_FILE}`;

/** The identities Secret as a volume. Mounted whole (no subPath), so the kubelet keeps it current. */
export function identitiesVolume(secretName: string): Volume {
  return {
    name: IDENTITIES_VOLUME,
    secret: {
      secretName,
      defaultMode: 0o440,
      items: [{ key: S3_CONFIG_FILE, path: S3_CONFIG_FILE }],
    },
  };
}

export const IDENTITIES_MOUNT: VolumeMount = {
  name: IDENTITIES_VOLUME,
  mountPath: S3_CONFIG_DIR,
  readOnly: true,
};

/** The sidecar that sends weed SIGHUP when the mounted identities file changes. */
export function identitiesReloader(scope: SeaweedfsScope): Container {
  return weedContainer(scope, "identities-reloader", RELOADER_RESOURCES, {
    command: [TOOLS_BINARY, "reload-on-change", IDENTITIES_PATH, WEED_BINARY, String(RELOADER_HEALTH_PORT)],
    ports: [{ name: RELOADER_PORT_NAME, containerPort: RELOADER_HEALTH_PORT, protocol: "TCP" }],
    // Healthy while its watch loop runs; it has nothing else to be ready for.
    readinessProbe: {
      httpGet: { path: "/healthz", port: RELOADER_PORT_NAME },
      periodSeconds: 10,
      timeoutSeconds: 3,
    },
    livenessProbe: {
      httpGet: { path: "/healthz", port: RELOADER_PORT_NAME },
      periodSeconds: 15,
      timeoutSeconds: 3,
      failureThreshold: 4,
    },
    volumeMounts: [TMP_MOUNT, IDENTITIES_MOUNT],
  });
}

/** Keyed by the file's digest: a new file gets a Job of its own, an unchanged one keeps the one it had. */
export function s3KeysJobName(base: string, identitiesDigest: string): string {
  if (!/^[0-9a-f]{8,}$/.test(identitiesDigest)) {
    throw new Error(`an identities digest is lowercase hex; got ${JSON.stringify(identitiesDigest)}`);
  }
  return `${base}-${identitiesDigest.slice(0, 8)}`;
}

export function s3KeysCommand(gatewaysHost: string, gateways: number): string[] {
  return [TOOLS_BINARY, "s3-keys-loaded", IDENTITIES_PATH, gatewaysHost, String(S3_PORT), String(gateways)];
}

/** One address per ready gateway (headless: the provider does not await it). */
export function declareS3PodsService(scope: SeaweedfsScope): k8s.core.v1.Service {
  return new k8s.core.v1.Service(
    `${scope.name}-s3-pods`,
    {
      metadata: objectMeta(scope, scope.names.s3PodsService, "s3"),
      spec: {
        clusterIP: "None",
        selector: selectorLabels(scope.workloads.s3),
        ports: servicePorts(S3_PORT),
      },
    },
    { parent: scope.parent },
  );
}

/** The Job that passes once every gateway accepts every key in the identities file. */
export function declareS3KeysJob(
  scope: SeaweedfsScope,
  identitiesDigest: pulumi.Output<string>,
  after: pulumi.Resource[],
): k8s.batch.v1.Job {
  return weedScriptJob(
    scope,
    {
      resourceName: "s3-keys",
      objectName: identitiesDigest.apply((d) => s3KeysJobName(scope.names.s3KeysJob, d)),
      part: "s3KeysJob",
      container: "s3-keys",
      command: s3KeysCommand(s3PodsFqdn(scope.address), scope.settings.s3Replicas),
      volumes: [{ volume: identitiesVolume(scope.names.s3IdentitiesSecret), mount: IDENTITIES_MOUNT }],
      resources: KEYS_JOB_RESOURCES,
      // A failed check (a gateway that did not load the file in time) is run again by the next `up`
      // instead of failing it on the same failed Job: the provider replaces a Job that is not complete.
      annotations: { "pulumi.com/replaceUnready": "true" },
      backoffLimit: 1,
      deadlineSeconds: KEYS_JOB_DEADLINE_SECONDS,
      ttlSecondsAfterFinished: 3600,
    },
    { dependsOn: after, customTimeouts: { create: "12m", update: "12m" } },
  );
}
