import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation/index.js";

// The real engine runs the project from a directory of its own that links to the repo's code and holds
// copies of Pulumi.yaml and the stack file, so the passphrase salt the engine writes and any config a
// harness sets (the dev database stand-in's URLs, say) never touch the committed files. State goes to a
// local file backend inside the same directory: no Pulumi Cloud account.

export const REPO = join(import.meta.dirname, "..", "..");
const LINKED = ["index.ts", "components", "policies", "node_modules", "package.json", "tsconfig.json"];

export interface SettingValue {
  value: string;
  secret?: boolean;
}

export interface WorkspaceOptions {
  stackName: string;
  /** Keep state here across runs (npm run up); a fresh temp dir when unset (tests). */
  dir?: string;
  passphrase: string;
  /** Stack file to start from; the committed Pulumi.<stack>.yaml when unset. */
  stackFile?: string;
  /** `vsekai-infra:` settings to set on top of the stack file. */
  config?: Record<string, SettingValue>;
  /** A program to run instead of the repo's index.ts (non-compliant fixtures). */
  program?: string;
}

export interface StackWorkspace {
  dir: string;
  projectDir: string;
  stack: Stack;
  env: Record<string, string>;
  /** Removes the directory, for temp workspaces; never called on a kept one. */
  cleanup: () => void;
}

export async function pulumiCommand(): Promise<PulumiCommand> {
  const root = process.env.VSEKAI_PULUMI_ROOT;
  return root === undefined
    ? PulumiCommand.get({ skipVersionCheck: true })
    : PulumiCommand.get({ root, skipVersionCheck: true });
}

function linkProject(projectDir: string, options: WorkspaceOptions): void {
  mkdirSync(projectDir, { recursive: true });
  for (const name of LINKED) {
    const target = join(projectDir, name);
    if (name === "index.ts" && options.program !== undefined) {
      rmSync(target, { force: true });
      writeFileSync(target, options.program);
    } else if (!existsSync(target)) {
      symlinkSync(join(REPO, name), target);
    }
  }
  cpSync(join(REPO, "Pulumi.yaml"), join(projectDir, "Pulumi.yaml"));
  const stackCopy = join(projectDir, `Pulumi.${options.stackName}.yaml`);
  // A kept workspace keeps its stack file (salt, harness settings); the committed file only seeds it.
  if (!existsSync(stackCopy)) {
    cpSync(options.stackFile ?? join(REPO, `Pulumi.${options.stackName}.yaml`), stackCopy);
  }
}

/**
 * Clears `protect` on every resource in the stack's state (what `pulumi state unprotect --all` does),
 * returning how many were protected: destroy refuses protected resources.
 */
export async function unprotectAll(stack: Stack): Promise<number> {
  const state = await stack.exportStack();
  const resources = ((state.deployment as { resources?: { protect?: boolean }[] } | undefined)?.resources ??
    []) as { protect?: boolean }[];
  const protectedOnes = resources.filter((r) => r.protect === true);
  if (protectedOnes.length === 0) return 0;
  for (const r of protectedOnes) r.protect = false;
  await stack.importStack(state);
  return protectedOnes.length;
}

export async function stackWorkspace(options: WorkspaceOptions): Promise<StackWorkspace> {
  const kept = options.dir !== undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), `vsekai-${options.stackName}-`));
  const state = join(dir, "state");
  const projectDir = join(dir, "project");
  mkdirSync(state, { recursive: true });
  linkProject(projectDir, options);
  const env: Record<string, string> = {
    PULUMI_BACKEND_URL: `file://${state}`,
    PULUMI_CONFIG_PASSPHRASE: options.passphrase,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
  };
  const command = await pulumiCommand();
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName: options.stackName, workDir: projectDir },
    { pulumiCommand: command, envVars: env },
  );
  for (const [key, setting] of Object.entries(options.config ?? {})) {
    await stack.setConfig(`vsekai-infra:${key}`, { value: setting.value, secret: setting.secret ?? false });
  }
  return {
    dir,
    projectDir,
    stack,
    env,
    cleanup: () => {
      if (!kept) rmSync(dir, { recursive: true, force: true });
    },
  };
}
