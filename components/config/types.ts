import type * as pulumi from "@pulumi/pulumi";
import type { BackupSettings } from "./backup.ts";
import type { GuardedSetting } from "./guarded-settings.ts";
import type { MonitoringSettings } from "./monitoring.ts";

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
  /** Let a major upgrade finalize once every node runs it; false keeps the old version as a way back. */
  finalizeUpgrade: boolean;
  /** The app's login: 0 is `user` itself, N a login `<user>_g<N>` that is a member of it. */
  appLoginGeneration: number;
  /** Stop the login of the generation before appLoginGeneration (false keeps it, for a rotation in progress). */
  retirePreviousAppLogins: boolean;
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
  /** The app's S3 keys: raise by one to rotate them (seaweedfs/s3.ts). */
  s3KeyGeneration: number;
  /** Stop accepting the generation before s3KeyGeneration (false keeps it, for a rotation in progress). */
  s3RetirePreviousKeys: boolean;
}

export interface AppPort {
  name: string;
  port: number;
  envVar?: string;
}

/**
 * The Ingress's certificate: made by the stack from a private CA of its own (dev, the HA stack on one
 * machine), requested from cert-manager through an issuer annotation, or a Secret someone else provides.
 * Without a secretName the Secret is named after the app's Service (`<service>-tls`).
 */
export type IngressTls =
  | { mode: "stack-ca"; secretName?: string }
  | { mode: "cert-manager"; secretName?: string; issuer: string; issuerKind: "ClusterIssuer" | "Issuer" }
  | { mode: "secret"; secretName: string };

export interface AppSettings {
  name: string;
  releaseName: string;
  releaseModule: string;
  image?: string;
  build?: { context: string; dockerfile?: string; repository: string; push: boolean };
  replicas: number;
  ports: AppPort[];
  /** What the startup probe asks: the app with its database and storage, once, before any traffic. */
  healthPath: string;
  /**
   * What readiness and liveness ask after startup: whether this pod serves, not whether what every replica
   * shares is up, so a shared outage does not empty the Service (defaults to healthPath).
   */
  readinessPath: string;
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
    /** Unset: plain HTTP. */
    tls?: IngressTls;
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
  /** Data-holding objects are protected from deletion and replacement (components/shared/protection.ts). */
  protectData: boolean;
  /** Guarded settings this update may change on a running stack (components/shared/data-shape.ts). */
  confirmChanges: GuardedSetting[];
  sql: SqlSettings;
  seaweedfs: SeaweedfsSettings;
  app: AppSettings;
  networking: NetworkingSettings;
  monitoring: MonitoringSettings;
  backup: BackupSettings;
}
