import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { SqlEndpoint } from "../shared/endpoints.ts";
import { WEED_BINARY, filerArgs } from "./args.ts";
import { FILER_CONFIG_DIR, FILER_CONFIG_FILE, SQL_CA_DIR, SQL_CA_FILE, filerToml } from "./filer-config.ts";
import { HOME, POD_IP, TMP_DIR, TMP_MOUNT, TMP_VOLUME, serverPorts, servicePorts } from "./pod.ts";
import { leaveEndpointsFirst } from "../shared/probing.ts";
import { filerProbes } from "./probes.ts";
import { FILER_GRPC_PORT, FILER_PORT } from "./topology.ts";
import {
  clusterIpService,
  configuredDeployment,
  disruptionBudget,
  objectMeta,
  sha256,
  weedContainer,
  weedPod,
  type SeaweedfsScope,
  type Volume,
  type VolumeMount,
} from "./workloads.ts";

// The filers: interchangeable, their metadata in the stack's SQL database (postgres2 store, configured by
// a filer.toml mounted from a Secret), ready once SQL answers. They run as a Deployment.

/** The filers' Deployment, created once their config, the masters and SQL are ready. */
export function declareFilers(
  scope: SeaweedfsScope,
  sql: SqlEndpoint,
  masters: k8s.apps.v1.StatefulSet,
): k8s.apps.v1.Deployment {
  const names = scope.names;
  const caFile = sql.caSecretName ? `${SQL_CA_DIR}/${SQL_CA_FILE}` : undefined;
  const toml = pulumi.secret(sql.filerConnection.apply((c) => filerToml(c, caFile)));
  const filerConfig = new k8s.core.v1.Secret(
    `${scope.name}-filer-config`,
    {
      metadata: objectMeta(scope, names.filerConfigSecret, "filer"),
      type: "Opaque",
      stringData: { [FILER_CONFIG_FILE]: toml },
    },
    { parent: scope.parent },
  );
  const volumes: Volume[] = [
    TMP_VOLUME,
    {
      name: "config",
      secret: {
        secretName: names.filerConfigSecret,
        defaultMode: 0o440,
        items: [{ key: FILER_CONFIG_FILE, path: FILER_CONFIG_FILE }],
      },
    },
    ...(sql.caSecretName
      ? [
          {
            name: "sql-ca",
            secret: {
              secretName: sql.caSecretName,
              defaultMode: 0o444,
              items: [{ key: SQL_CA_FILE, path: SQL_CA_FILE }],
            },
          },
        ]
      : []),
  ];
  const mounts: VolumeMount[] = [
    TMP_MOUNT,
    { name: "config", mountPath: FILER_CONFIG_DIR, readOnly: true },
    ...(sql.caSecretName ? [{ name: "sql-ca", mountPath: SQL_CA_DIR, readOnly: true }] : []),
  ];
  clusterIpService(scope, "filer", "filer", names.filerService, servicePorts(FILER_PORT, FILER_GRPC_PORT));
  const filers = configuredDeployment(scope, "filer", {
    metadata: objectMeta(scope, names.filer, "filer"),
    replicas: scope.settings.filerReplicas,
    // A digest of the file, not the file: the password stays out of the pod spec.
    configHash: pulumi.unsecret(toml.apply(sha256)),
    pod: weedPod(
      scope.workloads.filer,
      {
        terminationGracePeriodSeconds: 30,
        volumes,
        containers: [
          weedContainer(scope, "filer", scope.settings.filerResources, {
            command: [WEED_BINARY],
            args: filerArgs(scope.masters),
            // The image's working directory is not writable, and filer.toml is looked for there first.
            workingDir: TMP_DIR,
            env: [POD_IP, HOME],
            ports: serverPorts(FILER_PORT, FILER_GRPC_PORT),
            ...filerProbes(),
            lifecycle: leaveEndpointsFirst(),
            volumeMounts: mounts,
          }),
        ],
      },
      true,
    ),
    dependsOn: [filerConfig, masters, ...sql.ready],
  });
  disruptionBudget(scope, "filer", "filer", names.filer);
  return filers;
}
