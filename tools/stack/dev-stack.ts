import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import * as k8s from "@kubernetes/client-node";
import { COCKROACH_IMAGE } from "../../components/config/profiles.ts";
import { ensureSqlStandin, nodeHasImage, STANDIN_IMAGE } from "./sql-standin.ts";
import { REPO, stackWorkspace, type SettingValue, type StackWorkspace } from "./workspace.ts";

// The dev stack on whatever cluster KUBECONFIG names (tools/stack/up.sh starts the local one first), with
// the policy pack on. Shared by `npm run up` / `npm run down` and the integration tests.

export const DEV_STACK = "dev";

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
}

export function defaultStateDir(): string {
  return process.env.VSEKAI_STATE_DIR ?? join(homedir(), ".local", "state", "vsekai-infra", DEV_STACK);
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

export function policyOptions(environment: string): { policyPacks: string[]; policyPackConfigs: string[] } {
  return {
    policyPacks: [join(REPO, "policies")],
    policyPackConfigs: [join(REPO, "policies", `${environment}.json`)],
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

/** Prepares the dev stack's workspace: the database tier, and the settings that point the stack at it. */
export async function prepareDevStack(options: DevStackOptions): Promise<DevStack> {
  const kc = new k8s.KubeConfig();
  kc.loadFromDefault();
  const sqlTier = await chooseSqlTier(kc, options.sqlTier);
  const config: Record<string, SettingValue> = { ...options.config };
  if (sqlTier === "postgres-standin") {
    const urls = await ensureSqlStandin(kc, {
      app: { database: "uro", user: "uro" },
      filer: { database: "seaweedfs", user: "seaweedfs" },
    });
    config.cockroach = { value: JSON.stringify({ mode: "external" }) };
    config.databaseUrl = { value: urls.databaseUrl, secret: true };
    config.filerDatabaseUrl = { value: urls.filerDatabaseUrl, secret: true };
  }
  const workspace = await stackWorkspace({
    stackName: DEV_STACK,
    dir: options.dir,
    passphrase: options.passphrase,
    config,
  });
  if (sqlTier === "cockroachdb") {
    // A kept workspace may still point at the stand-in from an earlier run.
    const all = await workspace.stack.getAllConfig();
    const stale = ["cockroach", "databaseUrl", "filerDatabaseUrl"]
      .map((k) => `vsekai-infra:${k}`)
      .filter((k) => k in all);
    if (stale.length > 0) await workspace.stack.removeAllConfig(stale);
  }
  return { workspace, sqlTier, kubeConfig: kc };
}
