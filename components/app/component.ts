import * as docker from "@pulumi/docker";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { AppPort, AppSettings } from "../config/types.ts";
import { GeneratedSecret } from "../secrets/index.ts";
import type { ExternalPeer, Flow, Peer, S3Endpoint, SqlEndpoint } from "../shared/endpoints.ts";
import type { Placement } from "../shared/placement.ts";
import { imageVersion, selectorLabels, workloadLabels } from "../shared/labels.ts";
import { leaveEndpointsFirst } from "../shared/probing.ts";
import { containerResources } from "../shared/resources.ts";
import { softSpreading } from "../shared/spreading.ts";
import { restrictedContainerSecurity, restrictedPodSecurity } from "../shared/security.ts";
import { disruptionBudget } from "./availability.ts";
import { credentialsAnnotation } from "./credentials.ts";
import { DATABASE_URL_KEY, GENERATED_SECRET_LENGTH, appEnv, generatedSecretNames } from "./env.ts";
import { contextTag } from "./image.ts";
import { appIngress, appUrl } from "./ingress.ts";
import { MIGRATION_JOB_LIMITS, migrationJobName } from "./migration.ts";
import { appVolumeMounts, appVolumes } from "./pod.ts";
import { appNames, migrateWorkload, peersQuery, serverWorkload } from "./names.ts";
import { containerPorts, distributionPorts, peerServicePorts, servicePorts } from "./ports.ts";
import { appProbes } from "./probes.ts";
import { SKIP_AWAIT } from "../shared/awaiting.ts";

export interface PhoenixAppArgs extends Placement {
  settings: AppSettings;
  sql: SqlEndpoint;
  s3: S3Endpoint;
}

/** `nobody`, the user Phoenix's generated release Dockerfile (and uro's) runs as. */
const UID = 65534;
const PUBLIC_HTTPS: ExternalPeer = { name: "public-https", external: true, cidrs: [] };
const MIGRATE_RESOURCES = { cpu: "100m", memory: "512Mi", cpuLimit: "1" };

/**
 * A Phoenix release (uro): a migration Job that must complete before the Deployment rolls, the
 * Deployment with its Service, a headless Service for Erlang clustering, a PodDisruptionBudget, and
 * optionally an HPA, an Ingress and a docker build of the image.
 */
export class PhoenixApp extends pulumi.ComponentResource {
  readonly url: pulumi.Output<string>;
  readonly peer: Peer;
  readonly migrationPeer: Peer;
  readonly flows: Flow[];
  readonly serviceName: string;
  readonly ports: AppPort[];
  readonly image: pulumi.Output<string>;
  readonly deployment: k8s.apps.v1.Deployment;
  readonly migrationJob?: k8s.batch.v1.Job;
  /** What the migration Job waits for: SQL ready (users and databases provisioned) and its Secrets. */
  readonly migrationGates: pulumi.Resource[];
  /**
   * What the Deployment waits for: the migration Job (or, without one, SQL ready), its Secrets and the S3
   * credentials. Not S3 itself: no pod is ready before its startup probe (the health path, which checks
   * storage) passes, and gating their creation on it would add the bucket's set-up time to the app's boot.
   */
  readonly rolloutGates: pulumi.Resource[];

  constructor(name: string, args: PhoenixAppArgs, opts?: pulumi.ComponentResourceOptions) {
    super("vsekai:app:PhoenixApp", name, {}, opts);
    const child = { parent: this };
    const s = args.settings;
    const names = appNames(args.prefix, s.name);
    const server = serverWorkload(s.name, args.instance);
    const selector = selectorLabels(server);
    this.image = this.resolveImage(name, s);
    const labels = this.image.apply((image) => workloadLabels(server, imageVersion(image)));
    const metadata = (objectName: pulumi.Input<string>) => ({
      name: objectName,
      namespace: args.namespace,
      labels,
    });

    const database = new k8s.core.v1.Secret(
      `${name}-database`,
      {
        metadata: metadata(names.databaseSecret),
        type: "Opaque",
        stringData: { [DATABASE_URL_KEY]: pulumi.secret(args.sql.appUrl) },
      },
      // The URL may name a login made by the SQL tier's provisioning (a rotated CockroachDB login): a pod
      // that restarts must not read it before the login exists.
      { ...child, dependsOn: args.sql.ready },
    );
    const generatedValues = Object.fromEntries(
      generatedSecretNames(s).map((env) => [
        env,
        new GeneratedSecret(`${name}-${env.toLowerCase()}`, { length: GENERATED_SECRET_LENGTH }, child).value,
      ]),
    );
    const generated = new k8s.core.v1.Secret(
      `${name}-generated`,
      { metadata: metadata(names.generatedSecret), type: "Opaque", stringData: generatedValues },
      child,
    );
    const secretEnv =
      s.secretEnv === undefined
        ? undefined
        : new k8s.core.v1.Secret(
            `${name}-secret-env`,
            {
              metadata: metadata(names.secretEnvSecret),
              type: "Opaque",
              stringData: pulumi.secret(s.secretEnv),
            },
            child,
          );
    const secrets: pulumi.Resource[] = [database, generated, ...(secretEnv ? [secretEnv] : [])];
    const fingerprintKey = new GeneratedSecret(`${name}-credentials-key`, { length: 32 }, child).value;
    const credentialAnnotations = credentialsAnnotation(fingerprintKey, {
      databaseUrl: args.sql.appUrl,
      s3AccessKeyId: args.s3.accessKeyId,
      s3SecretAccessKey: args.s3.secretAccessKey,
      ...Object.fromEntries(Object.entries(generatedValues).map(([k, v]) => [`generated:${k}`, v])),
      secretEnv: s.secretEnv === undefined ? "" : s.secretEnv.apply((e) => JSON.stringify(e)),
    });

    const env = appEnv({
      settings: s,
      databaseSecret: names.databaseSecret,
      generatedSecret: names.generatedSecret,
      secretEnvSecret: secretEnv ? names.secretEnvSecret : undefined,
      s3: args.s3,
      peersQuery: peersQuery(names, args.namespaceName, args.clusterDomain),
      sqlCa: args.sql.caSecretName !== undefined,
    });
    const volumes = appVolumes(args.sql.caSecretName);
    const volumeMounts = appVolumeMounts(args.sql.caSecretName !== undefined);
    const podBasics = {
      automountServiceAccountToken: false,
      // Docker-link-style variables for every Service would land in the release's environment.
      enableServiceLinks: false,
      securityContext: restrictedPodSecurity(UID),
      volumes,
    };
    const containerBasics = {
      image: this.image,
      imagePullPolicy: args.imagePullPolicy,
      env,
      securityContext: restrictedContainerSecurity(),
      volumeMounts,
    };
    this.migrationGates = [...args.sql.ready, ...secrets];

    this.migrationPeer = {
      name: `${s.name}-migrate`,
      selector: selectorLabels(migrateWorkload(s.name, args.instance)),
    };
    if (s.migrate) {
      const jobLabels = workloadLabels(migrateWorkload(s.name, args.instance), undefined);
      this.migrationJob = new k8s.batch.v1.Job(
        `${name}-migrate`,
        {
          metadata: {
            name: this.image.apply((image) =>
              migrationJobName(names.migrateJobBase, image, s.migrateCommand),
            ),
            namespace: args.namespace,
            labels: jobLabels,
          },
          spec: {
            ...MIGRATION_JOB_LIMITS,
            template: {
              metadata: { labels: jobLabels },
              spec: {
                ...podBasics,
                restartPolicy: "Never",
                containers: [
                  {
                    ...containerBasics,
                    name: "migrate",
                    command: s.migrateCommand,
                    // The provider prints a failed pod's termination message: with this, the migration's own
                    // last lines, so a failed release's `pulumi up` says why.
                    terminationMessagePolicy: "FallbackToLogsOnError",
                    resources: containerResources(MIGRATE_RESOURCES),
                  },
                ],
              },
            },
          },
        },
        // A replaced Job is created before the old one is deleted; names differ, so they never clash.
        { ...child, dependsOn: this.migrationGates },
      );
    }

    this.rolloutGates = [
      ...(this.migrationJob ? [this.migrationJob] : args.sql.ready),
      ...secrets,
      ...args.s3.secrets,
    ];
    const probes = appProbes(s.healthPath, s.readinessPath, s.healthPort);
    this.deployment = new k8s.apps.v1.Deployment(
      `${name}-server`,
      {
        metadata: metadata(names.deployment),
        spec: {
          // With autoscaling the HPA owns the count; a value here would fight it on every `up`.
          ...(s.autoscaling === undefined ? { replicas: s.replicas } : {}),
          selector: { matchLabels: selector },
          strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
          template: {
            metadata: { labels, annotations: credentialAnnotations },
            spec: {
              ...podBasics,
              ...softSpreading(selector),
              // The preStop wait, then time for Phoenix to drain connections after SIGTERM.
              terminationGracePeriodSeconds: 30,
              containers: [
                {
                  ...containerBasics,
                  name: s.name,
                  ports: containerPorts(s.ports, s.distribution),
                  ...probes,
                  lifecycle: leaveEndpointsFirst(),
                  resources: containerResources(s.resources),
                },
              ],
            },
          },
        },
      },
      { ...child, dependsOn: this.rolloutGates },
    );

    new k8s.core.v1.Service(
      `${name}-service`,
      {
        metadata: { ...metadata(names.service), annotations: SKIP_AWAIT },
        spec: { type: "ClusterIP", selector, ports: servicePorts(s.ports) },
      },
      child,
    );
    if (s.distribution) {
      new k8s.core.v1.Service(
        `${name}-peers`,
        {
          metadata: metadata(names.peersService),
          spec: {
            clusterIP: "None",
            // Booting nodes must find each other before they are Ready.
            publishNotReadyAddresses: true,
            selector,
            ports: peerServicePorts(),
          },
        },
        child,
      );
    }
    new k8s.policy.v1.PodDisruptionBudget(
      `${name}-pdb`,
      { metadata: metadata(names.pdb), spec: disruptionBudget(s, selector) },
      child,
    );
    if (s.autoscaling !== undefined) {
      new k8s.autoscaling.v2.HorizontalPodAutoscaler(
        `${name}-hpa`,
        {
          metadata: metadata(names.hpa),
          spec: {
            scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: names.deployment },
            minReplicas: s.autoscaling.minReplicas,
            maxReplicas: s.autoscaling.maxReplicas,
            metrics: [
              {
                type: "Resource",
                resource: {
                  name: "cpu",
                  target: { type: "Utilization", averageUtilization: s.autoscaling.cpuUtilization },
                },
              },
            ],
          },
        },
        { ...child, dependsOn: [this.deployment] },
      );
    }
    if (s.ingress.enabled) {
      const ingressArgs = { ingress: s.ingress, host: s.host, service: names.service, metadata };
      appIngress(name, { ...ingressArgs, objectName: names.ingress }, child);
    }

    this.serviceName = names.service;
    this.ports = s.ports;
    this.url = pulumi.output(appUrl(s.ingress, s.host));
    this.peer = { name: s.name, selector };
    this.flows = appFlows(this.peer, this.migrationPeer, args.sql, args.s3, s);
    this.registerOutputs({ url: this.url, image: this.image });
  }

  /** The pinned image, or one built from `settings.build` and tagged by its content. */
  private resolveImage(name: string, s: AppSettings): pulumi.Output<string> {
    if (s.build === undefined) return pulumi.output(s.image ?? "");
    const built = new docker.Image(
      `${name}-image`,
      {
        imageName: `${s.build.repository}:${contextTag(s.build.context)}`,
        build: {
          context: s.build.context,
          ...(s.build.dockerfile === undefined ? {} : { dockerfile: s.build.dockerfile }),
        },
        skipPush: !s.build.push,
      },
      { parent: this },
    );
    // A pushed image is pinned by digest; a local one (kind, minikube) only has its content-tagged name.
    return pulumi
      .all([built.repoDigest, built.imageName])
      .apply(([digest, imageName]) => (s.build?.push && digest ? digest : imageName));
  }
}

function appFlows(app: Peer, migrate: Peer, sql: SqlEndpoint, s3: S3Endpoint, s: AppSettings): Flow[] {
  return [
    { from: app, to: sql.peer, ports: [sql.port], reason: `${s.name} queries its database` },
    { from: app, to: s3.peer, ports: [s3.port], reason: `${s.name} stores files in S3` },
    ...(s.distribution
      ? [
          {
            from: app,
            to: app,
            ports: distributionPorts(true),
            reason: `${s.name} nodes form an Erlang cluster`,
          },
        ]
      : []),
    // uro's optional integrations (OAuth providers, SendGrid, Turnstile) are HTTPS APIs at addresses
    // nobody can list in advance: the port is the only restriction that holds.
    { from: app, to: PUBLIC_HTTPS, ports: [443], reason: `${s.name} calls OAuth, mail and captcha APIs` },
    ...(s.migrate
      ? [{ from: migrate, to: sql.peer, ports: [sql.port], reason: `${s.name} migrations change the schema` }]
      : []),
  ];
}
