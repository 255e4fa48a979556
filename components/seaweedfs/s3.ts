import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { GeneratedSecret } from "../secrets/index.ts";
import { S3_ACCESS_KEY_ID_KEY, S3_SECRET_ACCESS_KEY_KEY } from "../shared/endpoints.ts";
import { acceptedGenerations } from "../shared/generations.ts";
import { WEED_BINARY, s3Args } from "./args.ts";
import { S3_CONFIG_FILE, keyResourceName, s3IdentitiesJson } from "./identities.ts";
import { HOME, TMP_DIR, TMP_MOUNT, TMP_VOLUME, serverPorts, servicePorts } from "./pod.ts";
import {
  IDENTITIES_MOUNT,
  declareS3KeysJob,
  declareS3PodsService,
  identitiesReloader,
  identitiesVolume,
} from "./s3-keys.ts";
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
//
// Rotation (seaweedfs.s3KeyGeneration): a new generation reaches the app in order. The identities file
// changes first, listing the new keys and the previous ones; the running gateways reload it in place
// (s3-keys.ts), and only once the keys Job has seen every gateway accept them is the app's Secret changed,
// and the app rolls onto the new keys (its pod template carries a fingerprint of its credentials). No
// request signed with either key is refused on the way, and no gateway restarts. seaweedfs.s3RetirePreviousKeys
// then drops the previous keys in an update of its own, which ends once every gateway refuses them.

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
  const { s3KeyGeneration, s3RetirePreviousKeys } = scope.settings;
  const keys = acceptedGenerations(s3KeyGeneration, s3RetirePreviousKeys).map((generation) => ({
    accessKey: new GeneratedSecret(
      keyResourceName(scope.name, "access-key", generation),
      { length: 20 },
      child,
    ).value,
    secretKey: new GeneratedSecret(
      keyResourceName(scope.name, "secret-key", generation),
      { length: 40 },
      child,
    ).value,
  }));
  const current = keys[0];
  if (current === undefined) throw new Error("no S3 key generation to hand out");
  const { accessKey, secretKey } = current;
  const identities = pulumi.secret(
    pulumi.all(keys.map((k) => pulumi.all([k.accessKey, k.secretKey]))).apply((pairs) =>
      s3IdentitiesJson([
        {
          name: "app",
          keys: pairs.map(([ak, sk]) => ({ accessKey: ak, secretKey: sk })),
          bucket: scope.settings.bucket,
        },
      ]),
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
  const credentialsOf = (keysLoaded: k8s.batch.v1.Job | undefined) =>
    new k8s.core.v1.Secret(
      `${scope.name}-app-s3`,
      {
        metadata: objectMeta(scope, names.s3CredentialsSecret, "s3"),
        type: "Opaque",
        stringData: {
          [S3_ACCESS_KEY_ID_KEY]: pulumi.secret(accessKey),
          [S3_SECRET_ACCESS_KEY_KEY]: pulumi.secret(secretKey),
        },
      },
      // Once keys have been rotated, the app's keys change only after every gateway accepts them. Before
      // that (generation 0) the app may start beside the gateways: it retries until S3 answers.
      keysLoaded === undefined ? child : { ...child, dependsOn: [keysLoaded] },
    );
  clusterIpService(scope, "s3", "s3", names.s3Service, servicePorts(S3_PORT));
  const podsService = declareS3PodsService(scope);
  const gateways = configuredDeployment(scope, "s3", {
    metadata: objectMeta(scope, names.s3, "s3"),
    replicas: scope.settings.s3Replicas,
    pod: weedPod(
      scope.workloads.s3,
      {
        terminationGracePeriodSeconds: 30,
        // So the reloader can signal weed (same uid, nothing else shared).
        shareProcessNamespace: true,
        volumes: [TMP_VOLUME, identitiesVolume(names.s3IdentitiesSecret)],
        containers: [
          weedContainer(scope, "s3", scope.settings.s3Resources, {
            command: [WEED_BINARY],
            args: s3Args(filerAddress(scope.address)),
            workingDir: TMP_DIR,
            env: [HOME],
            ports: serverPorts(S3_PORT),
            ...s3Probes(),
            lifecycle: leaveEndpointsFirst(),
            volumeMounts: [TMP_MOUNT, IDENTITIES_MOUNT],
          }),
          identitiesReloader(scope),
        ],
      },
      true,
    ),
    // Seen here once in about fifteen starts: a gateway started before any filer was ready hung and never
    // listened (it asks the filer for its configuration with no deadline); one started after never did.
    dependsOn: [identitiesSecret, filers],
  });
  disruptionBudget(scope, "s3", "s3", names.s3);
  // A stack whose keys were never rotated has nothing to wait for: every gateway starts with the one file.
  const keysLoaded =
    s3KeyGeneration === 0
      ? undefined
      : declareS3KeysJob(scope, pulumi.unsecret(identities.apply(sha256)), [
          identitiesSecret,
          gateways,
          podsService,
        ]);
  return {
    gateways,
    credentials: credentialsOf(keysLoaded),
    accessKeyId: pulumi.secret(accessKey),
    secretAccessKey: pulumi.secret(secretKey),
  };
}
