import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import * as k8s from "@kubernetes/client-node";
import yaml from "js-yaml";
import { COCKROACH_IMAGE } from "../../components/config/profiles.ts";
import { ensureIngressController, type IngressController } from "./ingress-controller.ts";
import { ensureSqlStandin, nodeHasImage, STANDIN_IMAGE, STANDIN_NAMESPACE } from "./sql-standin.ts";
import { REPO, stackWorkspace, type SettingValue, type StackWorkspace } from "./workspace.ts";

// The stacks made for the local cluster (dev, and ha: the production shape on one machine) on whatever
// cluster KUBECONFIG names (tools/stack/up.sh starts the local one first), with the policy pack on.
// Shared by `npm run up` / `npm run down`, the benchmarks and the integration tests.

export const DEV_STACK = "dev";
export const LOCAL_STACKS = ["dev", "ha"] as const;
export type LocalStack = (typeof LOCAL_STACKS)[number];

/** What the harness provides around each local stack: its pack config, stand-in and ingress controller. */
export const HARNESS: Record<LocalStack, { packConfig: string; standinNamespace: string; ingress: boolean }> =
  {
    dev: { packConfig: "dev", standinNamespace: STANDIN_NAMESPACE, ingress: false },
    ha: { packConfig: "ha", standinNamespace: "vsekai-ha-sql-standin", ingress: true },
  };

/** The stack named on the command line (`--stack <name>`, default dev), or a message saying what is allowed. */
export function localStackFromArgs(args: string[]): LocalStack {
  const at = args.findIndex((a) => a === "--stack" || a.startsWith("--stack="));
  if (at === -1) return DEV_STACK;
  const name = args[at]?.startsWith("--stack=") ? args[at].slice("--stack=".length) : args[at + 1];
  if ((LOCAL_STACKS as readonly string[]).includes(name ?? "")) return name as LocalStack;
  throw new Error(
    `--stack ${name ?? "(nothing)"} is not allowed: the local cluster runs ${LOCAL_STACKS.join(" and ")} ` +
      `(staging and prod deploy through CI, see .github/workflows)`,
  );
}

export type SqlTier = "cockroachdb" | "postgres-standin";

export interface DevStackOptions {
  /** Kept state (file backend, stack file copy); a temp dir when unset. */
  dir?: string;
  passphrase: string;
  /** Force a database tier; by default CockroachDB when its image is on the node, else the stand-in. */
  sqlTier?: SqlTier;
  /** Extra `vsekai-infra:` settings (tests: two app replicas, say). */
  config?: Record<string, SettingValue>;
}

export interface DevStack {
  workspace: StackWorkspace;
  sqlTier: SqlTier;
  kubeConfig: k8s.KubeConfig;
  /** The ingress controller the harness runs for the stack (ha), when it has one. */
  ingress?: IngressController;
}

/** dev keeps VSEKAI_STATE_DIR's meaning; another stack gets a directory of its own beside it. */
export function defaultStateDir(stack: LocalStack = DEV_STACK): string {
  const root = process.env.VSEKAI_STATE_DIR;
  if (root !== undefined) return stack === DEV_STACK ? root : `${root}-${stack}`;
  return join(homedir(), ".local", "state", "vsekai-infra", stack);
}

/** The passphrase that encrypts the dev stack's secrets in its local state: the user's, or one kept 0600. */
export function devPassphrase(dir: string): string {
  const fromEnv = process.env.PULUMI_CONFIG_PASSPHRASE;
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  const file = join(dir, "passphrase");
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, randomBytes(32).toString("hex"), { mode: 0o600 });
  }
  chmodSync(file, 0o600);
  return readFileSync(file, "utf8").trim();
}

/** The pack with policies/<packConfig>.json (an environment's levels; ha has its own). */
export function policyOptions(packConfig: string): { policyPacks: string[]; policyPackConfigs: string[] } {
  return {
    policyPacks: [join(REPO, "policies")],
    policyPackConfigs: [join(REPO, "policies", `${packConfig}.json`)],
  };
}

export async function chooseSqlTier(kc: k8s.KubeConfig, forced?: SqlTier): Promise<SqlTier> {
  if (forced !== undefined) return forced;
  return (await nodeHasImage(kc, COCKROACH_IMAGE)) ? "cockroachdb" : "postgres-standin";
}

export function announceSqlTier(tier: SqlTier): string {
  return tier === "cockroachdb"
    ? `database tier: CockroachDB (${COCKROACH_IMAGE}, cluster mode), its image is on the node`
    : `database tier: PostgreSQL STAND-IN (${STANDIN_IMAGE}) through cockroach.mode "external"; ` +
        `no CockroachDB image (${COCKROACH_IMAGE}) is on the node and none can be pulled here`;
}

/** The settings of the committed Pulumi.<stack>.yaml, structured values as JSON text (as the engine keeps them). */
export function committedSettings(stack: string): Record<string, string> {
  const doc = yaml.load(readFileSync(join(REPO, `Pulumi.${stack}.yaml`), "utf8")) as {
    config?: Record<string, unknown>;
  };
  return Object.fromEntries(
    Object.entries(doc.config ?? {}).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
  );
}

/** Prepares the dev stack's workspace: the database tier, and the settings that point the stack at it. */
export async function prepareDevStack(options: DevStackOptions): Promise<DevStack> {
  return prepareLocalStack(DEV_STACK, options);
}

/**
 * Prepares a local stack's workspace: the database tier and the settings that point the stack at it, and
 * the ingress controller when the stack's Ingress needs one.
 */
export async function prepareLocalStack(stack: LocalStack, options: DevStackOptions): Promise<DevStack> {
  const kc = new k8s.KubeConfig();
  kc.loadFromDefault();
  const harness = HARNESS[stack];
  const sqlTier = await chooseSqlTier(kc, options.sqlTier);
  const config: Record<string, SettingValue> = { ...options.config };
  if (sqlTier === "postgres-standin") {
    const urls = await ensureSqlStandin(
      kc,
      { app: { database: "uro", user: "uro" }, filer: { database: "seaweedfs", user: "seaweedfs" } },
      harness.standinNamespace,
    );
    config.cockroach = { value: JSON.stringify({ mode: "external" }) };
    config.databaseUrl = { value: urls.databaseUrl, secret: true };
    config.filerDatabaseUrl = { value: urls.filerDatabaseUrl, secret: true };
  }
  const ingress = harness.ingress ? await ensureIngressController(kc) : undefined;
  const workspace = await stackWorkspace({
    stackName: stack,
    dir: options.dir,
    passphrase: options.passphrase,
    config,
  });
  if (sqlTier === "cockroachdb") {
    // A kept workspace may still point at the stand-in from an earlier run: back to the committed file's
    // database settings (ha sizes its CockroachDB nodes there), or to none.
    const all = await workspace.stack.getAllConfig();
    const committed = committedSettings(stack);
    for (const key of ["cockroach", "databaseUrl", "filerDatabaseUrl"].map((k) => `vsekai-infra:${k}`)) {
      if (!(key in all)) continue;
      const original = committed[key];
      if (original === undefined) await workspace.stack.removeConfig(key);
      else await workspace.stack.setConfig(key, { value: original, secret: false });
    }
  }
  return { workspace, sqlTier, kubeConfig: kc, ingress };
}
