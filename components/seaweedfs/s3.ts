import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { GeneratedSecret } from "../secrets/index.ts";
import { S3_ACCESS_KEY_ID_KEY, S3_SECRET_ACCESS_KEY_KEY } from "../shared/endpoints.ts";
import { WEED_BINARY, s3Args } from "./args.ts";
import { S3_CONFIG_DIR, S3_CONFIG_FILE, s3IdentitiesJson } from "./identities.ts";
import { HOME, TMP_DIR, TMP_MOUNT, TMP_VOLUME, serverPorts, servicePorts } from "./pod.ts";
import { leaveEndpointsFirst } from "../shared/probing.ts";
import { s3Probes } from "./probes.ts";
import { S3_PORT, filerAddress } from "./topology.ts";
import {
  clusterIpService,
  configuredDeployment,
  disruptionBudget,
  objectMeta,
  sha256,
  weedContainer,
  weedPod,
  type SeaweedfsScope,
} from "./workloads.ts";

// The S3 gateway: stateless, in front of the filers, with one identity (the app's), generated once and kept
// in state, scoped to the app's bucket. The identities file is a Secret the gateways mount; the app gets the
// same keys from a Secret of its own, under the key names its env reads.

export interface S3Gateway {
  gateways: k8s.apps.v1.Deployment;
  /** The app's keys, by reference. */
  credentials: k8s.core.v1.Secret;
  accessKeyId: pulumi.Output<string>;
  secretAccessKey: pulumi.Output<string>;
}

/** The gateways, created once a filer is ready, and the app's credentials for them. */
export function declareS3Gateway(scope: SeaweedfsScope, filers: k8s.apps.v1.Deployment): S3Gateway {
  const names = scope.names;
  const child = { parent: scope.parent };
  const accessKey = new GeneratedSecret(`${scope.name}-s3-access-key`, { length: 20 }, child);
  const secretKey = new GeneratedSecret(`${scope.name}-s3-secret-key`, { length: 40 }, child);
  const identities = pulumi.secret(
    pulumi
      .all([accessKey.value, secretKey.value])
      .apply(([ak, sk]) =>
        s3IdentitiesJson([{ name: "app", accessKey: ak, secretKey: sk, bucket: scope.settings.bucket }]),
      ),
  );
  const identitiesSecret = new k8s.core.v1.Secret(
    `${scope.name}-s3-identities`,
    {
      metadata: objectMeta(scope, names.s3IdentitiesSecret, "s3"),
      type: "Opaque",
      stringData: { [S3_CONFIG_FILE]: identities },
    },
    child,
  );
  const credentials = new k8s.core.v1.Secret(
    `${scope.name}-app-s3`,
    {
      metadata: objectMeta(scope, names.s3CredentialsSecret, "s3"),
      type: "Opaque",
      stringData: {
        [S3_ACCESS_KEY_ID_KEY]: pulumi.secret(accessKey.value),
        [S3_SECRET_ACCESS_KEY_KEY]: pulumi.secret(secretKey.value),
      },
    },
    child,
  );
  clusterIpService(scope, "s3", "s3", names.s3Service, servicePorts(S3_PORT));
  const gateways = configuredDeployment(scope, "s3", {
    metadata: objectMeta(scope, names.s3, "s3"),
    replicas: scope.settings.s3Replicas,
    configHash: pulumi.unsecret(identities.apply(sha256)),
    pod: weedPod(
      scope.workloads.s3,
      {
        terminationGracePeriodSeconds: 30,
        volumes: [
          TMP_VOLUME,
          {
            name: "identities",
            secret: {
              secretName: names.s3IdentitiesSecret,
              defaultMode: 0o440,
              items: [{ key: S3_CONFIG_FILE, path: S3_CONFIG_FILE }],
            },
          },
        ],
        containers: [
          weedContainer(scope, "s3", scope.settings.s3Resources, {
            command: [WEED_BINARY],
            args: s3Args(filerAddress(scope.address)),
            workingDir: TMP_DIR,
            env: [HOME],
            ports: serverPorts(S3_PORT),
            ...s3Probes(),
            lifecycle: leaveEndpointsFirst(),
            volumeMounts: [TMP_MOUNT, { name: "identities", mountPath: S3_CONFIG_DIR, readOnly: true }],
          }),
        ],
      },
      true,
    ),
    // Seen here once in about fifteen starts: a gateway started before any filer was ready hung and never
    // listened (it asks the filer for its configuration with no deadline); one started after never did.
    dependsOn: [identitiesSecret, filers],
  });
  disruptionBudget(scope, "s3", "s3", names.s3);
  return {
    gateways,
    credentials,
    accessKeyId: pulumi.secret(accessKey.value),
    secretAccessKey: pulumi.secret(secretKey.value),
  };
}
