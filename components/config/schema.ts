import { z } from "zod";
import { backupCredentialsSchema, backupSchema } from "./backup-schema.ts";
import { envValue } from "./env-values.ts";
import { GUARDED_SETTINGS } from "./guarded-settings.ts";
import { DNS1123_SUBDOMAIN, IANA_SERVICE_NAME, INGRESS_PREFIX_PATH } from "./kubernetes-formats.ts";
import { appMetricsSchema, monitoringSchema } from "./monitoring.ts";

// The user-facing shape of stack config. Every field is optional unless a stack cannot work without it;
// defaults come from the environment profile (profiles.ts), so this file only says what is *allowed*.
// `.strict()` everywhere: a misspelt key is an error, not a silently ignored setting.

export const ENVIRONMENTS = ["dev", "staging", "prod"] as const;

const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "a DNS-1123 label (lowercase letters, digits and '-')")
  .max(63, "at most 63 characters");
const dnsName = z
  .string()
  .regex(DNS1123_SUBDOMAIN, "a DNS name (dot-separated labels of lowercase letters, digits and inner '-')")
  .max(253, "at most 253 characters");
// Images must be pinned: a tag other than `latest`, or a digest.
const pinnedImage = z
  .string()
  .regex(
    /^[a-z0-9]+([._/:-][a-z0-9]+)*(@sha256:[a-f0-9]{64}|:[A-Za-z0-9_][A-Za-z0-9._-]{0,127})$/,
    "an image reference pinned by tag or digest, e.g. registry/name:v1.2.3",
  )
  .refine((s) => !/:latest$/.test(s), "pinned to a version; `latest` moves under you");
const quantityMemory = z
  .string()
  .regex(/^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$/, "a Kubernetes memory quantity such as 512Mi or 4Gi");
const quantityCpu = z
  .string()
  .regex(/^([0-9]+m|[0-9]+(\.[0-9]+)?)$/, "a Kubernetes CPU quantity such as 250m or 2");
const envVarName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, "an environment variable name (A-Z, 0-9, _)");
const positiveInt = z.number().int("a whole number").min(1, "at least 1");
/** A credential's rotation generation (components/shared/generations.ts): raised by one to rotate. */
const generation = z.number().int("a whole number").min(0, "at least 0").max(1_000_000, "at most 1000000");
const httpPath = z.string().regex(/^\/[A-Za-z0-9._~/?=&-]*$/, "an absolute HTTP path such as /health");

const ingressPath = z
  .string()
  .regex(
    INGRESS_PREFIX_PATH,
    "an absolute path without '//', '/./', '/../' or '%2F', not ending in '/.' or '/..'",
  );

export const resourcesSchema = z
  .object({ cpu: quantityCpu, memory: quantityMemory, cpuLimit: quantityCpu })
  .partial()
  .strict();

export const storageSchema = z.object({ size: quantityMemory, storageClass: dnsName }).partial().strict();

export const cockroachSchema = z
  .object({
    mode: z.enum(["cluster", "external"]),
    image: pinnedImage,
    nodes: positiveInt.max(99, "at most 99"),
    storage: storageSchema,
    resources: resourcesSchema,
    tls: z.boolean(),
    locality: z
      .string()
      .regex(
        /^[a-z0-9_-]+=[A-Za-z0-9_.-]+(,[a-z0-9_-]+=[A-Za-z0-9_.-]+)*$/,
        "key=value pairs, e.g. region=eu,zone=eu-a",
      ),
    database: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, "a SQL identifier (lowercase, digits, _)"),
    user: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, "a SQL identifier (lowercase, digits, _)"),
    filerDatabase: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, "a SQL identifier (lowercase, digits, _)"),
    filerUser: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, "a SQL identifier (lowercase, digits, _)"),
    certValidityDays: positiveInt.max(3650, "at most 3650"),
    certRenewBeforeDays: positiveInt,
    finalizeUpgrade: z.boolean(),
    // Raised by one to rotate the app's login (components/cockroachdb/app-logins.ts says how).
    appLoginGeneration: generation,
    retirePreviousAppLogins: z.boolean(),
  })
  .partial()
  .strict();

const componentSize = z.object({ resources: resourcesSchema }).partial().strict();

export const seaweedfsSchema = z
  .object({
    image: pinnedImage,
    masters: positiveInt.max(9, "at most 9"),
    masterResources: resourcesSchema,
    masterStorage: storageSchema,
    volumeServers: positiveInt.max(99, "at most 99"),
    volumeResources: resourcesSchema,
    volumeStorage: storageSchema,
    volumeSizeLimitMB: positiveInt.max(30000, "at most 30000 (SeaweedFS's own ceiling)"),
    maxVolumes: positiveInt,
    replication: z.string().regex(/^[0-9]{3}$/, "three digits xyz (other data centers, racks, servers)"),
    filerReplicas: positiveInt.max(20, "at most 20"),
    filer: componentSize,
    s3Replicas: positiveInt.max(20, "at most 20"),
    s3: componentSize,
    bucket: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "an S3 bucket name (3-63 lowercase chars)"),
    // Raised by one to rotate the app's S3 keys (components/seaweedfs/s3.ts says in what order).
    s3KeyGeneration: generation,
    s3RetirePreviousKeys: z.boolean(),
  })
  .partial()
  .strict();

const appPort = z
  .object({
    name: z
      .string()
      .regex(IANA_SERVICE_NAME, "a port name (a-z, 0-9 and single inner '-', with at least one letter)")
      .max(15, "at most 15 characters (a port name)"),
    port: positiveInt.max(65535),
    envVar: envVarName,
  })
  .partial({ envVar: true })
  .strict();

export const appSchema = z
  .object({
    name: dnsLabel,
    releaseName: z.string().regex(/^[a-z][a-z0-9_]*$/, "an Elixir release name (lowercase, digits, _)"),
    releaseModule: z
      .string()
      .regex(/^[A-Z][A-Za-z0-9]*(\.[A-Z][A-Za-z0-9]*)*$/, "an Elixir module name such as Uro"),
    image: pinnedImage,
    build: z
      .object({
        context: z.string().min(1),
        dockerfile: z.string().min(1),
        repository: z.string().min(1),
        push: z.boolean(),
      })
      .partial({ dockerfile: true, push: true })
      .strict(),
    replicas: positiveInt.max(100, "at most 100"),
    ports: z.array(appPort).min(1, "at least one port"),
    healthPath: httpPath,
    readinessPath: httpPath,
    healthPort: dnsLabel,
    host: dnsName,
    env: z.record(envVarName, envValue),
    generatedSecrets: z.array(envVarName),
    requiredSecretEnv: z.array(envVarName),
    poolSize: positiveInt.max(1000, "at most 1000"),
    migrate: z.boolean(),
    migrateCommand: z.array(z.string().min(1)).min(1, "at least the executable"),
    resources: resourcesSchema,
    autoscaling: z
      .object({
        minReplicas: positiveInt,
        maxReplicas: positiveInt,
        cpuUtilization: positiveInt.max(100, "at most 100"),
      })
      .strict(),
    ingress: z
      .object({
        enabled: z.boolean(),
        className: dnsName,
        tlsSecretName: dnsName,
        // Where the certificate comes from (tlsSecretName alone still means mode "secret").
        tls: z
          .object({
            mode: z.enum(["stack-ca", "cert-manager", "secret"]),
            secretName: dnsName,
            issuer: dnsName,
            issuerKind: z.enum(["ClusterIssuer", "Issuer"]),
          })
          .partial({ secretName: true, issuer: true, issuerKind: true })
          .strict(),
        paths: z.array(z.object({ path: ingressPath, port: dnsLabel }).strict()).min(1),
      })
      .partial()
      .strict(),
    distribution: z.boolean(),
    metrics: appMetricsSchema,
  })
  .partial()
  .strict();

export const networkingSchema = z
  .object({
    exposeSql: z.boolean(),
    exposeS3: z.boolean(),
    ingressNamespace: dnsLabel,
  })
  .partial()
  .strict();

// Top-level keys of the `vsekai-infra:` namespace. Secret keys are listed separately: they must be set
// with `pulumi config set --secret`, and load.ts refuses them in plain text.
export const stackConfigSchema = z
  .object({
    environment: z.enum(ENVIRONMENTS),
    namespace: dnsLabel,
    clusterDomain: dnsName,
    storageClass: dnsName,
    imagePullPolicy: z.enum(["Always", "IfNotPresent", "Never"]),
    renderYamlTo: z.string().min(1),
    protectData: z.boolean(),
    confirmChanges: z.array(z.enum(GUARDED_SETTINGS)),
    cockroach: cockroachSchema,
    seaweedfs: seaweedfsSchema,
    app: appSchema,
    networking: networkingSchema,
    monitoring: monitoringSchema,
    backup: backupSchema,
    backupCredentials: backupCredentialsSchema,
    databaseUrl: z.string().regex(/^(postgres|postgresql|ecto):\/\/[^\s]+$/, "a postgres:// or ecto:// URL"),
    filerDatabaseUrl: z.string().regex(/^(postgres|postgresql):\/\/[^\s]+$/, "a postgres:// URL"),
    appSecretEnv: z.record(envVarName, envValue.pipe(z.string().min(1, "a non-empty value"))),
  })
  .partial({
    namespace: true,
    clusterDomain: true,
    storageClass: true,
    imagePullPolicy: true,
    renderYamlTo: true,
    protectData: true,
    confirmChanges: true,
    cockroach: true,
    seaweedfs: true,
    app: true,
    networking: true,
    monitoring: true,
    backup: true,
    backupCredentials: true,
    databaseUrl: true,
    filerDatabaseUrl: true,
    appSecretEnv: true,
  })
  .strict();

export const SECRET_KEYS = ["databaseUrl", "filerDatabaseUrl", "appSecretEnv", "backupCredentials"] as const;

export type StackConfigInput = z.infer<typeof stackConfigSchema>;
export type ResourcesInput = z.infer<typeof resourcesSchema>;
export type StorageInput = z.infer<typeof storageSchema>;
