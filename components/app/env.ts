import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { AppSettings } from "../config/types.ts";
import { S3_ACCESS_KEY_ID_KEY, S3_SECRET_ACCESS_KEY_KEY } from "../shared/endpoints.ts";
import { DIST_PORT } from "./ports.ts";

type EnvVar = k8s.types.input.core.v1.EnvVar;

export const DATABASE_URL_KEY = "DATABASE_URL";
/** Where the SQL server's CA certificate is mounted when the database verifies TLS. */
export const SQL_CA_DIR = "/etc/vsekai/sql";
export const SQL_CA_FILE = `${SQL_CA_DIR}/ca.crt`;
/**
 * uro must pass this file to its Repo for TLS to be verified, e.g. in config/runtime.exs:
 * `ssl: [cacertfile: System.fetch_env!("DATABASE_CA_CERT_FILE"), verify: :verify_peer,
 * server_name_indication: ~c"<db host>"]`. Today's runtime.exs sets no `ssl` option, so against a TLS
 * database it needs that change (or `?sslmode=require` in DATABASE_URL, which encrypts but does not verify).
 */
export const SQL_CA_ENV = "DATABASE_CA_CERT_FILE";
/** Scratch for the release (RELEASE_TMP), HOME and crash dumps: the root filesystem is read-only. */
export const SCRATCH_DIR = "/tmp";
export const GENERATED_SECRET_LENGTH = 64;

/**
 * Every generated secret the app gets: the settings' list plus the two a Phoenix release cannot run
 * without (SECRET_KEY_BASE always, RELEASE_COOKIE when nodes cluster), once each, in a stable order.
 */
export function generatedSecretNames(settings: AppSettings): string[] {
  const required = ["SECRET_KEY_BASE", ...(settings.distribution ? ["RELEASE_COOKIE"] : [])];
  return [...new Set([...required, ...settings.generatedSecrets])].sort();
}

export interface AppEnvInput {
  settings: AppSettings;
  databaseSecret: string;
  generatedSecret: string;
  /** The Secret holding `settings.secretEnv`, when there is any. */
  secretEnvSecret?: string;
  s3: {
    url: pulumi.Input<string>;
    bucket: string;
    region: string;
    credentialsSecretName: pulumi.Input<string>;
  };
  /** DNS_CLUSTER_QUERY: the headless Service's FQDN. */
  peersQuery: string;
  sqlCa: boolean;
}

function fromSecret(name: string, secret: pulumi.Input<string>, key: string = name): EnvVar {
  return { name, valueFrom: { secretKeyRef: { name: secret, key } } };
}

function plain(name: string, value: string): EnvVar {
  return { name, value };
}

/**
 * The container environment. Credentials only ever come in through secretKeyRef. Order matters in one
 * place: POD_IP precedes RELEASE_NODE, which expands it with `$(POD_IP)`.
 */
export function appEnv(input: AppEnvInput): EnvVar[] {
  const s = input.settings;
  return [
    fromSecret(DATABASE_URL_KEY, input.databaseSecret),
    plain("POOL_SIZE", String(s.poolSize)),
    plain("ECTO_IPV6", "false"),
    ...(input.sqlCa ? [plain(SQL_CA_ENV, SQL_CA_FILE)] : []),
    ...generatedSecretNames(s).map((name) => fromSecret(name, input.generatedSecret)),
    plain("PHX_HOST", s.host),
    plain("PHX_SERVER", "true"),
    ...s.ports.filter((p) => p.envVar !== undefined).map((p) => plain(p.envVar as string, String(p.port))),
    ...distributionEnv(s, input.peersQuery),
    { name: "S3_ENDPOINT", value: input.s3.url },
    plain("S3_BUCKET", input.s3.bucket),
    plain("AWS_REGION", input.s3.region),
    fromSecret(S3_ACCESS_KEY_ID_KEY, input.s3.credentialsSecretName),
    fromSecret(S3_SECRET_ACCESS_KEY_KEY, input.s3.credentialsSecretName),
    plain("RELEASE_TMP", SCRATCH_DIR),
    plain("HOME", SCRATCH_DIR),
    plain("ERL_CRASH_DUMP", `${SCRATCH_DIR}/erl_crash.dump`),
    ...Object.keys(s.env)
      .sort()
      .map((name) => plain(name, s.env[name] as string)),
    ...(input.secretEnvSecret === undefined
      ? []
      : [...s.secretEnvNames].sort().map((name) => fromSecret(name, input.secretEnvSecret as string))),
  ];
}

/**
 * Long names (`uro@10.1.2.3`) from the pod IP, so each pod is addressable without per-pod DNS, and the
 * distribution listener pinned to DIST_PORT so NetworkPolicies can name it. Without distribution the
 * release starts unnamed and needs no cookie.
 */
export function distributionEnv(settings: AppSettings, peersQuery: string): EnvVar[] {
  if (!settings.distribution) return [plain("RELEASE_DISTRIBUTION", "none")];
  return [
    { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
    plain("RELEASE_DISTRIBUTION", "name"),
    plain("RELEASE_NODE", `${settings.releaseName}@$(POD_IP)`),
    plain("DNS_CLUSTER_QUERY", peersQuery),
    plain("ERL_AFLAGS", `-kernel inet_dist_listen_min ${DIST_PORT} inet_dist_listen_max ${DIST_PORT}`),
  ];
}
