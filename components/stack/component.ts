import * as pulumi from "@pulumi/pulumi";
import { PhoenixApp } from "../app/index.ts";
import { CockroachCluster } from "../cockroachdb/index.ts";
import type { StackSettings } from "../config/types.ts";
import { cockroachFacts, monitoredStack, StackMonitoring, type CockroachFacts } from "../monitoring/index.ts";
import { NetworkPolicies, StackNetwork } from "../networking/index.ts";
import { SeaweedfsCluster } from "../seaweedfs/index.ts";
import type { Flow, SqlEndpoint } from "../shared/endpoints.ts";
import type { Placement } from "../shared/placement.ts";
import { forceDeclaredFields } from "../shared/field-ownership.ts";
import { PART_OF } from "../shared/labels.ts";
import { DataShapeGuard, guardedAfterGuard } from "../shared/shape-guard.ts";
import { backupCredentialsSecret } from "./backup-credentials.ts";
import { stackDataShape } from "./data-shape.ts";
import { externalSqlEndpoint } from "./external-sql.ts";

/**
 * The whole V-Sekai backend in one namespace: the SQL tier (a CockroachDB cluster, or an external
 * endpoint), SeaweedFS with its metadata in that SQL database, the Phoenix app, and NetworkPolicies
 * derived from the connections the three declare.
 */
export class VSekaiStack extends pulumi.ComponentResource {
  readonly appUrl: pulumi.Output<string>;
  readonly namespace: pulumi.Output<string>;
  readonly sqlHost: pulumi.Output<string>;
  readonly sqlPort: number;
  readonly databaseUrl: pulumi.Output<string>;
  readonly s3Endpoint: pulumi.Output<string>;
  readonly s3Bucket: string;
  readonly s3AccessKeyId: pulumi.Output<string>;
  readonly s3SecretAccessKey: pulumi.Output<string>;

  constructor(name: string, settings: StackSettings, opts?: pulumi.ComponentResourceOptions) {
    const shapeGuard: { guard?: DataShapeGuard } = {};
    super(
      "vsekai:stack:VSekaiStack",
      name,
      {},
      {
        ...opts,
        transformations: [
          ...(opts?.transformations ?? []),
          forceDeclaredFields,
          guardedAfterGuard(shapeGuard),
        ],
      },
    );
    const child = { parent: this };
    const prefix = "vsekai";
    // First: a master count lowered or a claim template changed on a running stack is refused here,
    // before anything else is planned (components/shared/data-shape.ts).
    shapeGuard.guard = new DataShapeGuard("data-shape", stackDataShape(settings, prefix), child);
    const network = new StackNetwork(
      "network",
      {
        namespaceName: settings.namespace,
        environment: settings.environment,
        settings: settings.networking,
        instance: settings.stack,
        protectData: settings.protectData,
      },
      child,
    );
    const common: Placement = {
      namespace: network.namespace.metadata.name,
      namespaceName: settings.namespace,
      instance: settings.stack,
      clusterDomain: settings.clusterDomain,
      imagePullPolicy: settings.imagePullPolicy,
      prefix,
    };

    const backup = settings.backup;
    const backupCredentialsSecretName = backup.enabled
      ? backupCredentialsSecret(
          backup.credentials,
          { prefix, namespace: common.namespace, labels: { "app.kubernetes.io/part-of": PART_OF } },
          child,
        )
      : undefined;

    let sql: SqlEndpoint;
    const flows: Flow[] = [];
    let monitoredCockroach: CockroachFacts | undefined;
    if (settings.sql.mode === "cluster") {
      const cockroach = new CockroachCluster(
        "cockroachdb",
        {
          ...common,
          settings: settings.sql,
          protectData: settings.protectData,
          ...(backup.enabled && backupCredentialsSecretName !== undefined
            ? {
                backup: {
                  target: backup.target,
                  credentialsSecretName: backupCredentialsSecretName,
                  schedule: backup.schedule,
                  restore: backup.restore,
                },
              }
            : {}),
        },
        child,
      );
      sql = cockroach.endpoint;
      flows.push(...cockroach.flows);
      monitoredCockroach = cockroachFacts(cockroach);
    } else {
      sql = externalSqlEndpoint(settings.sql);
    }
    const seaweedfs = new SeaweedfsCluster(
      "seaweedfs",
      {
        ...common,
        settings: settings.seaweedfs,
        sql,
        protectData: settings.protectData,
        backup:
          backup.enabled && backupCredentialsSecretName !== undefined
            ? {
                target: backup.target,
                credentialsSecretName: backupCredentialsSecretName,
                restore: backup.restore,
              }
            : undefined,
      },
      child,
    );
    const app = new PhoenixApp("app", { ...common, settings: settings.app, sql, s3: seaweedfs.s3 }, child);
    flows.push(...seaweedfs.flows, ...app.flows);
    const monitoring =
      settings.monitoring.mode === "off"
        ? undefined
        : new StackMonitoring(
            "monitoring",
            {
              namespace: common.namespace,
              stack: monitoredStack({
                settings,
                prefix,
                cockroach: monitoredCockroach,
                seaweedfs: seaweedfs.peers,
                app: app.peer,
              }),
            },
            child,
          );
    new NetworkPolicies(
      "policies",
      {
        namespace: common.namespace,
        instance: settings.stack,
        settings: settings.networking,
        flows,
        app: app.peer,
        appPorts: app.ports,
        sql,
        s3: seaweedfs.s3,
        entrances: monitoring?.entrances,
        prefix,
      },
      child,
    );

    this.appUrl = app.url;
    this.namespace = network.namespace.metadata.name;
    this.sqlHost = sql.host;
    this.sqlPort = sql.port;
    this.databaseUrl = pulumi.secret(sql.appUrl);
    this.s3Endpoint = seaweedfs.s3.url;
    this.s3Bucket = seaweedfs.s3.bucket;
    this.s3AccessKeyId = pulumi.secret(seaweedfs.s3.accessKeyId);
    this.s3SecretAccessKey = pulumi.secret(seaweedfs.s3.secretAccessKey);
    this.registerOutputs({ appUrl: this.appUrl, sqlHost: this.sqlHost, s3Endpoint: this.s3Endpoint });
  }
}
