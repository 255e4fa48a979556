import * as pulumi from "@pulumi/pulumi";
import type { PhoenixAppArgs } from "../../../components/app/index.ts";
import type { AppSettings } from "../../../components/config/types.ts";
import type { S3Endpoint, SqlEndpoint } from "../../../components/shared/endpoints.ts";

export function appSettings(overrides: Partial<AppSettings> = {}): AppSettings {
  return {
    name: "uro",
    releaseName: "uro",
    releaseModule: "Uro",
    image: "ghcr.io/v-sekai/uro:0123abcd",
    replicas: 2,
    ports: [
      { name: "api", port: 4000, envVar: "PORT" },
      { name: "web", port: 4001, envVar: "WEB_PORT" },
    ],
    healthPath: "/health",
    readinessPath: "/health",
    healthPort: "api",
    host: "uro.example.org",
    env: { LOG_LEVEL: "info" },
    generatedSecrets: ["SECRET_KEY_BASE", "RELEASE_COOKIE", "JOKEN_SIGNER"],
    secretEnvNames: [],
    poolSize: 10,
    migrate: true,
    migrateCommand: ["bin/uro", "eval", "Uro.Release.migrate"],
    resources: { cpu: "500m", memory: "1Gi" },
    ingress: {
      enabled: true,
      className: "nginx",
      tls: { mode: "secret", secretName: "uro-tls" },
      paths: [
        { path: "/", port: "web" },
        { path: "/api", port: "api" },
      ],
    },
    distribution: true,
    ...overrides,
  };
}

export function sqlEndpoint(overrides: Partial<SqlEndpoint> = {}): SqlEndpoint {
  return {
    host: pulumi.output("vsekai-cockroachdb-public.vsekai.svc.cluster.local"),
    port: 26257,
    appUrl: pulumi.secret("ecto://uro:pw@vsekai-cockroachdb-public:26257/uro?sslmode=verify-full"),
    filerConnection: pulumi.output({
      host: "h",
      port: 26257,
      user: "filer",
      password: "pw",
      database: "filer",
      sslmode: "verify-full" as const,
    }),
    caSecretName: pulumi.output("vsekai-cockroachdb-client-ca"),
    peer: { name: "cockroachdb", selector: { "app.kubernetes.io/name": "cockroachdb" } },
    ready: [],
    ...overrides,
  };
}

export function s3Endpoint(overrides: Partial<S3Endpoint> = {}): S3Endpoint {
  return {
    url: pulumi.output("http://vsekai-seaweedfs-s3.vsekai.svc.cluster.local:8333"),
    port: 8333,
    bucket: "uro",
    region: "us-east-1",
    credentialsSecretName: pulumi.output("vsekai-seaweedfs-app-s3"),
    accessKeyId: pulumi.secret("AKID"),
    secretAccessKey: pulumi.secret("SECRET"),
    peer: { name: "seaweedfs-s3", selector: { "app.kubernetes.io/component": "s3" } },
    ready: [],
    secrets: [],
    ...overrides,
  };
}

export function appArgs(settings: Partial<AppSettings> = {}, sql: Partial<SqlEndpoint> = {}): PhoenixAppArgs {
  return {
    settings: appSettings(settings),
    sql: sqlEndpoint(sql),
    s3: s3Endpoint(),
    namespace: "vsekai",
    namespaceName: "vsekai",
    instance: "test",
    clusterDomain: "cluster.local",
    imagePullPolicy: "IfNotPresent",
    prefix: "vsekai",
  };
}
