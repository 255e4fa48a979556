import type * as pulumi from "@pulumi/pulumi";

// The fully resolved settings every component consumes: all defaults applied, all cross-field rules
// checked. Components never read Pulumi config themselves.

export type Environment = "dev" | "staging" | "prod";
export type PullPolicy = "Always" | "IfNotPresent" | "Never";

/** Memory is requested and limited at the same value: the databases size their caches from it. */
export interface Resources {
  cpu: string;
  memory: string;
  cpuLimit?: string;
}

export interface Storage {
  size: string;
  storageClass?: string;
}

export interface CockroachClusterSettings {
  mode: "cluster";
  image: string;
  nodes: number;
  storage: Storage;
  resources: Resources;
  tls: boolean;
  locality?: string;
  database: string;
  user: string;
  filerDatabase: string;
  filerUser: string;
  certValidityDays: number;
  certRenewBeforeDays: number;
}

export interface ExternalSqlSettings {
  mode: "external";
  /** Host and port of the app's URL: not secret, and needed for outputs and egress policies. */
  host: string;
  port: number;
  /** Connection URL for the app (secret). */
  appUrl: pulumi.Output<string>;
  /** Connection URL for the SeaweedFS filer's metadata store (secret). */
  filerUrl: pulumi.Output<string>;
}

export type SqlSettings = CockroachClusterSettings | ExternalSqlSettings;

export interface SeaweedfsSettings {
  image: string;
  masters: number;
  masterResources: Resources;
  masterStorage: Storage;
  volumeServers: number;
  volumeResources: Resources;
  volumeStorage: Storage;
  volumeSizeLimitMB: number;
  maxVolumes: number;
  replication: string;
  filerReplicas: number;
  filerResources: Resources;
  s3Replicas: number;
  s3Resources: Resources;
  bucket: string;
}

export interface AppPort {
  name: string;
  port: number;
  envVar?: string;
}

export interface AppSettings {
  name: string;
  releaseName: string;
  releaseModule: string;
  image?: string;
  build?: { context: string; dockerfile?: string; repository: string; push: boolean };
  replicas: number;
  ports: AppPort[];
  healthPath: string;
  healthPort: string;
  host: string;
  env: Record<string, string>;
  /** Names of secrets the program generates once and keeps stable in state. */
  generatedSecrets: string[];
  /** User-supplied secret env (from the secret config key `appSecretEnv`). */
  secretEnv?: pulumi.Output<Record<string, string>>;
  secretEnvNames: string[];
  poolSize: number;
  migrate: boolean;
  migrateCommand: string[];
  resources: Resources;
  autoscaling?: { minReplicas: number; maxReplicas: number; cpuUtilization: number };
  ingress: {
    enabled: boolean;
    className?: string;
    tlsSecretName?: string;
    paths: { path: string; port: string }[];
  };
  distribution: boolean;
}

export interface NetworkingSettings {
  exposeSql: boolean;
  exposeS3: boolean;
  ingressNamespace: string;
}

export interface StackSettings {
  stack: string;
  environment: Environment;
  namespace: string;
  clusterDomain: string;
  storageClass?: string;
  imagePullPolicy: PullPolicy;
  renderYamlTo?: string;
  sql: SqlSettings;
  seaweedfs: SeaweedfsSettings;
  app: AppSettings;
  networking: NetworkingSettings;
}
