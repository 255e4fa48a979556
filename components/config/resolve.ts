import * as pulumi from "@pulumi/pulumi";
import { DIST_PORT, DIST_PORT_NAME, EPMD_PORT, EPMD_PORT_NAME } from "./app-ports.ts";
import { bucketNameProblem } from "./bucket-name.ts";
import { appLoginProblems, nodeCountProblem, nodeMemoryProblem } from "./cockroach-rules.ts";
import { ingressTls } from "./ingress-tls.ts";
import { defaultReplication, replicationProblem } from "./seaweedfs-replication.ts";
import { fittingVolumes, maxVolumesProblem } from "./seaweedfs-sizing.ts";
import { looksSensitive } from "../shared/sensitive.ts";
import { resolveBackup } from "./backup.ts";
import { envSourceProblems } from "./env-sources.ts";
import { ConfigError, configKey, problemsFromZod, type ConfigProblem } from "./errors.ts";
import { kubernetesProblems } from "./kubernetes-limits.ts";
import { resolveMonitoring } from "./monitoring.ts";
import { COCKROACH_IMAGE, PROFILES, SEAWEEDFS_IMAGE } from "./profiles.ts";
import { stackConfigSchema, type ResourcesInput, type StackConfigInput } from "./schema.ts";
import type {
  AppPort,
  AppSettings,
  NetworkingSettings,
  Resources,
  SeaweedfsSettings,
  SqlSettings,
  StackSettings,
} from "./types.ts";

/** Env vars the app component sets itself; a user value would silently fight it, so it is refused. */
export const MANAGED_APP_ENV = [
  "DATABASE_URL",
  "POOL_SIZE",
  "SECRET_KEY_BASE",
  "PHX_HOST",
  "PHX_SERVER",
  "RELEASE_COOKIE",
  "RELEASE_DISTRIBUTION",
  "RELEASE_NODE",
  "DNS_CLUSTER_QUERY",
  "POD_IP",
  "S3_ENDPOINT",
  "S3_BUCKET",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_REGION",
  "ECTO_IPV6",
  "DATABASE_CA_CERT_FILE",
  "ERL_AFLAGS",
  "RELEASE_TMP",
  "HOME",
  "ERL_CRASH_DUMP",
] as const;

/** uro's two endpoints: the API and the web front end, each reading its own port variable. */
const DEFAULT_APP_PORTS: AppPort[] = [
  { name: "api", port: 4000, envVar: "PORT" },
  { name: "web", port: 4001, envVar: "WEB_PORT" },
];

function resources(input: ResourcesInput | undefined, fallback: { cpu: string; memory: string }): Resources {
  return {
    cpu: input?.cpu ?? fallback.cpu,
    memory: input?.memory ?? fallback.memory,
    cpuLimit: input?.cpuLimit,
  };
}

function hostAndPort(url: string | undefined): { host: string; port: number } {
  if (url === undefined) return { host: "", port: 5432 };
  const parsed = new URL(url.replace(/^ecto:/, "postgres:"));
  return { host: parsed.hostname, port: parsed.port ? Number(parsed.port) : 5432 };
}

function resolveSql(
  input: StackConfigInput,
  profile: (typeof PROFILES)["dev"],
  problems: ConfigProblem[],
): SqlSettings {
  const c = input.cockroach ?? {};
  const mode = c.mode ?? "cluster";
  if (mode === "external") {
    const clusterOnly = (
      [
        "image",
        "nodes",
        "storage",
        "resources",
        "tls",
        "locality",
        "certValidityDays",
        "certRenewBeforeDays",
        "finalizeUpgrade",
        "appLoginGeneration",
        "retirePreviousAppLogins",
      ] as const
    ).filter((k) => c[k] !== undefined);
    for (const k of clusterOnly) {
      problems.push({
        key: configKey(["cockroach", k]),
        message: `only applies to cockroach.mode "cluster", but the mode is "external"; remove it`,
      });
    }
    for (const k of ["databaseUrl", "filerDatabaseUrl"] as const) {
      if (input[k] === undefined) {
        problems.push({
          key: configKey([k]),
          message: `required when cockroach.mode is "external"; set it with \`pulumi config set --secret ${k} postgres://…\``,
        });
      }
    }
    const endpoint = hostAndPort(input.databaseUrl);
    const filerEndpoint = hostAndPort(input.filerDatabaseUrl);
    if (
      input.databaseUrl &&
      input.filerDatabaseUrl &&
      (endpoint.host !== filerEndpoint.host || endpoint.port !== filerEndpoint.port)
    ) {
      problems.push({
        key: configKey(["filerDatabaseUrl"]),
        message: `must point at the same SQL server as databaseUrl (its own database and user on it), so one egress rule covers both`,
      });
    }
    return {
      mode: "external",
      host: endpoint.host,
      port: endpoint.port,
      appUrl: pulumi.secret(input.databaseUrl ?? ""),
      filerUrl: pulumi.secret(input.filerDatabaseUrl ?? ""),
    };
  }
  for (const k of ["databaseUrl", "filerDatabaseUrl"] as const) {
    if (input[k] !== undefined) {
      problems.push({
        key: configKey([k]),
        message: `only used with cockroach.mode "external"; the "cluster" mode provisions its own database and users`,
      });
    }
  }
  const validity = c.certValidityDays ?? 730;
  const renewBefore = c.certRenewBeforeDays ?? 60;
  if (renewBefore >= validity) {
    problems.push({
      key: configKey(["cockroach", "certRenewBeforeDays"]),
      message: `${renewBefore} is not allowed: must be less than cockroach.certValidityDays (${validity})`,
    });
  }
  const database = c.database ?? "uro";
  const filerDatabase = c.filerDatabase ?? "seaweedfs";
  if (database === filerDatabase) {
    problems.push({
      key: configKey(["cockroach", "filerDatabase"]),
      message: `${JSON.stringify(filerDatabase)} is not allowed: the filer needs a database of its own, apart from cockroach.database`,
    });
  }
  const nodes = c.nodes ?? profile.cockroach.nodes;
  const nodesProblem = nodeCountProblem(nodes);
  if (nodesProblem !== undefined)
    problems.push({ key: configKey(["cockroach", "nodes"]), message: nodesProblem });
  const clusterResources = resources(c.resources, profile.cockroach);
  const memoryProblem = nodeMemoryProblem(clusterResources.memory);
  if (memoryProblem !== undefined) {
    problems.push({ key: configKey(["cockroach", "resources", "memory"]), message: memoryProblem });
  }
  const tls = c.tls ?? true;
  const user = c.user ?? "uro";
  const filerUser = c.filerUser ?? "seaweedfs";
  const appLoginGeneration = c.appLoginGeneration ?? 0;
  for (const p of appLoginProblems({ user, filerUser, generation: appLoginGeneration, tls })) {
    problems.push({ key: configKey(["cockroach", p.setting]), message: p.message });
  }
  return {
    mode: "cluster",
    image: c.image ?? COCKROACH_IMAGE,
    nodes,
    storage: {
      size: c.storage?.size ?? profile.cockroach.storageSize,
      storageClass: c.storage?.storageClass ?? input.storageClass,
    },
    resources: clusterResources,
    tls,
    locality: c.locality,
    database,
    user,
    filerDatabase,
    filerUser,
    certValidityDays: validity,
    certRenewBeforeDays: renewBefore,
    finalizeUpgrade: c.finalizeUpgrade ?? false,
    appLoginGeneration,
    retirePreviousAppLogins: c.retirePreviousAppLogins ?? false,
  };
}

function resolveSeaweedfs(
  input: StackConfigInput,
  profile: (typeof PROFILES)["dev"],
  problems: ConfigProblem[],
): SeaweedfsSettings {
  const s = input.seaweedfs ?? {};
  const p = profile.seaweedfs;
  const masters = s.masters ?? p.masters;
  if (masters % 2 === 0) {
    problems.push({
      key: configKey(["seaweedfs", "masters"]),
      message: `${masters} is not allowed: raft needs an odd number of masters (1, 3, 5…); an even count adds no fault tolerance and can split votes`,
    });
  }
  const volumeServers = s.volumeServers ?? p.volumeServers;
  const replication = s.replication ?? defaultReplication(volumeServers);
  const replicationIssue = replicationProblem(replication, volumeServers);
  if (replicationIssue !== undefined) {
    problems.push({ key: configKey(["seaweedfs", "replication"]), message: replicationIssue });
  }
  const volumeStorage = {
    size: s.volumeStorage?.size ?? p.volumeStorageSize,
    storageClass: s.volumeStorage?.storageClass ?? input.storageClass,
  };
  const volumeSizeLimitMB = s.volumeSizeLimitMB ?? p.volumeSizeLimitMB;
  // A volume server that advertises more volumes than its disk can hold fills the disk and fails writes;
  // one that advertises too few reports "no free volumes" long before the disk is full.
  const fitting = fittingVolumes(volumeStorage.size, volumeSizeLimitMB) ?? 0;
  const maxVolumes = s.maxVolumes ?? Math.max(1, fitting);
  const sizingIssue = maxVolumesProblem(maxVolumes, volumeStorage.size, volumeSizeLimitMB);
  if (sizingIssue !== undefined) {
    const key = fitting < 1 ? "volumeSizeLimitMB" : "maxVolumes";
    problems.push({ key: configKey(["seaweedfs", key]), message: sizingIssue });
  }
  const bucket = s.bucket ?? "uro";
  const bucketIssue = bucketNameProblem(bucket);
  if (bucketIssue !== undefined)
    problems.push({ key: configKey(["seaweedfs", "bucket"]), message: bucketIssue });
  return {
    image: s.image ?? SEAWEEDFS_IMAGE,
    masters,
    masterResources: resources(s.masterResources, p.small),
    masterStorage: {
      size: s.masterStorage?.size ?? "1Gi",
      storageClass: s.masterStorage?.storageClass ?? input.storageClass,
    },
    volumeServers,
    volumeResources: resources(s.volumeResources, p.volume),
    volumeStorage,
    volumeSizeLimitMB,
    maxVolumes,
    replication,
    filerReplicas: s.filerReplicas ?? p.filerReplicas,
    filerResources: resources(s.filer?.resources, p.small),
    s3Replicas: s.s3Replicas ?? p.s3Replicas,
    s3Resources: resources(s.s3?.resources, p.small),
    bucket,
    s3KeyGeneration: s.s3KeyGeneration ?? 0,
    s3RetirePreviousKeys: s.s3RetirePreviousKeys ?? false,
  };
}

function resolveApp(
  input: StackConfigInput,
  profile: (typeof PROFILES)["dev"],
  problems: ConfigProblem[],
): AppSettings {
  const a = input.app ?? {};
  const key = (...path: PropertyKey[]) => configKey(["app", ...path]);
  if (a.image === undefined && a.build === undefined) {
    problems.push({
      key: key("image"),
      message: `required: a pinned image such as ghcr.io/v-sekai/uro:<git sha>, or app.build to build one`,
    });
  }
  if (a.image !== undefined && a.build !== undefined) {
    problems.push({ key: key("build"), message: `set either app.image or app.build, not both` });
  }
  const ports = a.ports ?? DEFAULT_APP_PORTS;
  const portNames = ports.map((p) => p.name);
  ports.forEach((p, i) => {
    if (portNames.indexOf(p.name) !== i)
      problems.push({
        key: key("ports", i, "name"),
        message: `${JSON.stringify(p.name)} is not allowed: port names must be unique`,
      });
    if (ports.findIndex((q) => q.port === p.port) !== i)
      problems.push({
        key: key("ports", i, "port"),
        message: `${p.port} is not allowed: port numbers must be unique`,
      });
  });
  const distribution = a.distribution ?? true;
  ports.forEach((p, i) => {
    if (distribution && (p.port === EPMD_PORT || p.port === DIST_PORT))
      problems.push({
        key: key("ports", i, "port"),
        message: `${p.port} is not allowed: Erlang distribution uses ${EPMD_PORT} (epmd) and ${DIST_PORT}; pick another port or set app.distribution to false`,
      });
    if (p.envVar !== undefined && (MANAGED_APP_ENV as readonly string[]).includes(p.envVar))
      problems.push({
        key: key("ports", i, "envVar"),
        message: `${JSON.stringify(p.envVar)} is not allowed: the stack sets that variable itself`,
      });
  });
  const portEnv = new Set(ports.flatMap((p) => (p.envVar === undefined ? [] : [p.envVar])));
  const healthPort = a.healthPort ?? ports[0]?.name ?? "api";
  if (!portNames.includes(healthPort)) {
    problems.push({
      key: key("healthPort"),
      message: `${JSON.stringify(healthPort)} is not allowed: expected one of the port names ${portNames.join(", ")}`,
    });
  }
  const env = a.env ?? {};
  for (const name of Object.keys(env)) {
    if ((MANAGED_APP_ENV as readonly string[]).includes(name) || portEnv.has(name)) {
      problems.push({
        key: key("env", name),
        message: `is set by the stack itself and cannot be overridden`,
      });
    } else if (looksSensitive(name)) {
      problems.push({
        key: key("env", name),
        message: `looks like a secret; put it in the secret setting appSecretEnv (\`pulumi config set --secret --path appSecretEnv.${name} …\`)`,
      });
    }
  }
  const generatedSecrets = a.generatedSecrets ?? ["SECRET_KEY_BASE", "RELEASE_COOKIE"];
  const secretEnvNames = Object.keys(input.appSecretEnv ?? {});
  for (const name of secretEnvNames) {
    if (
      (MANAGED_APP_ENV as readonly string[]).includes(name) ||
      generatedSecrets.includes(name) ||
      portEnv.has(name) ||
      name in env
    ) {
      problems.push({
        key: configKey(["appSecretEnv", name]),
        message: `is already set by ${name in env ? "app.env" : "the stack"}; each variable has one source`,
      });
    }
  }
  for (const [i, name] of (a.requiredSecretEnv ?? []).entries()) {
    if (!secretEnvNames.includes(name) && !generatedSecrets.includes(name)) {
      problems.push({
        key: key("requiredSecretEnv", i),
        message: `${JSON.stringify(name)} is required by the app but missing; set it with \`pulumi config set --secret --path appSecretEnv.${name} …\``,
      });
    }
  }
  const ingressPaths =
    a.ingress?.paths ?? ports.map((p, i) => ({ path: i === 0 ? "/" : `/${p.name}`, port: p.name }));
  ingressPaths.forEach((p, i) => {
    if (!portNames.includes(p.port))
      problems.push({
        key: key("ingress", "paths", i, "port"),
        message: `${JSON.stringify(p.port)} is not allowed: expected one of the port names ${portNames.join(", ")}`,
      });
  });
  const replicas = a.replicas ?? profile.app.replicas;
  if (a.autoscaling && a.autoscaling.minReplicas > a.autoscaling.maxReplicas) {
    problems.push({
      key: key("autoscaling", "minReplicas"),
      message: `${a.autoscaling.minReplicas} is not allowed: greater than autoscaling.maxReplicas (${a.autoscaling.maxReplicas})`,
    });
  }
  const releaseName = a.releaseName ?? "uro";
  const releaseModule = a.releaseModule ?? "Uro";
  return {
    name: a.name ?? "uro",
    releaseName,
    releaseModule,
    image: a.image,
    build: a.build ? { ...a.build, push: a.build.push ?? false } : undefined,
    replicas,
    ports,
    healthPath: a.healthPath ?? "/health",
    readinessPath: a.readinessPath ?? a.healthPath ?? "/health",
    healthPort,
    host: a.host ?? "vsekai.local",
    env,
    generatedSecrets,
    secretEnv: input.appSecretEnv ? pulumi.secret(input.appSecretEnv) : undefined,
    secretEnvNames,
    poolSize: a.poolSize ?? 10,
    migrate: a.migrate ?? true,
    migrateCommand: a.migrateCommand ?? [`bin/${releaseName}`, "eval", `${releaseModule}.Release.migrate`],
    resources: resources(a.resources, profile.app),
    autoscaling: a.autoscaling,
    ingress: {
      enabled: a.ingress?.enabled ?? true,
      className: a.ingress?.className,
      tls: ingressTls(a.ingress ?? {}, input.environment, problems),
      paths: ingressPaths,
    },
    distribution,
  };
}

function resolveNetworking(input: StackConfigInput, problems: ConfigProblem[]): NetworkingSettings {
  const n = input.networking ?? {};
  if (n.exposeSql === true && input.cockroach?.mode === "external") {
    problems.push({
      key: configKey(["networking", "exposeSql"]),
      message: `true is not allowed with cockroach.mode "external": the database runs elsewhere and is not this stack's to expose`,
    });
  }
  return {
    exposeSql: n.exposeSql ?? false,
    exposeS3: n.exposeS3 ?? false,
    ingressNamespace: n.ingressNamespace ?? "ingress-nginx",
  };
}

/**
 * Turns raw stack config into settings, or throws a ConfigError naming every bad key, its value and what is
 * allowed. Pure apart from wrapping secrets as Pulumi secrets, so it runs before any resource exists.
 */
export function resolveStackConfig(raw: unknown, stack: string): StackSettings {
  const parsed = stackConfigSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) throw new ConfigError(problemsFromZod(stackConfigSchema, parsed.error));
  const input = parsed.data;
  const profile = PROFILES[input.environment];
  const problems: ConfigProblem[] = [];
  const settings: StackSettings = {
    stack,
    environment: input.environment,
    namespace:
      input.namespace ??
      `vsekai-${stack}`
        .toLowerCase()
        .replace(/[^a-z0-9-]/g, "-")
        .slice(0, 63),
    clusterDomain: input.clusterDomain ?? "cluster.local",
    storageClass: input.storageClass,
    imagePullPolicy: input.imagePullPolicy ?? "IfNotPresent",
    renderYamlTo: input.renderYamlTo,
    // Off only in dev, which is made and destroyed at will; staging meets every merge first, so a change
    // that would delete or replace data is refused there before it reaches prod.
    protectData: input.protectData ?? input.environment !== "dev",
    confirmChanges: [...new Set(input.confirmChanges ?? [])],
    sql: resolveSql(input, profile, problems),
    seaweedfs: resolveSeaweedfs(input, profile, problems),
    app: resolveApp(input, profile, problems),
    networking: resolveNetworking(input, problems),
    monitoring: resolveMonitoring(input, input.environment, problems),
    backup: resolveBackup(input, input.environment, problems),
  };
  const { ports, env, generatedSecrets } = settings.app;
  problems.push(...envSourceProblems({ managed: MANAGED_APP_ENV, ports, env, generatedSecrets }));
  problems.push(...kubernetesProblems(settings, [EPMD_PORT_NAME, DIST_PORT_NAME]));
  if (problems.length > 0) throw new ConfigError(problems);
  return settings;
}
