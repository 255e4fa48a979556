import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Stack } from "@pulumi/pulumi/automation/index.js";
import { stackWorkspace } from "../stack/workspace.ts";

// The floor a benchmark compares `pulumi up` with: the same manifests, rendered by the program with the same
// settings, applied with kubectl in one go. The provider refuses a kubeconfig next to renderYamlToDirectory,
// so the render runs without KUBECONFIG.

export function kubectlFor(kubeconfig: string): (...args: string[]) => string {
  return (...args) =>
    execFileSync("kubectl", ["--kubeconfig", kubeconfig, "--request-timeout=30s", ...args], {
      encoding: "utf8",
      timeout: 120_000,
    });
}

export async function namespaceGone(
  kubeconfig: string,
  namespace: string,
  deadlineSeconds: number,
): Promise<void> {
  const kubectl = kubectlFor(kubeconfig);
  const deadline = Date.now() + deadlineSeconds * 1000;
  while (Date.now() < deadline) {
    if (!kubectl("get", "namespaces", "-o", "name").split("\n").includes(`namespace/${namespace}`)) return;
    await new Promise((r) => setTimeout(r, 2000));
  }
  throw new Error(`namespace ${namespace} still there after ${deadlineSeconds}s`);
}

/**
 * Renders the stack `from` holds the settings of into manifests, applies them with kubectl (the namespace
 * first: kubectl applies a directory in name order) and resolves when `ready` does; returns the seconds from
 * the first apply. Deletes the namespace afterwards.
 */
export async function applyDirectly(options: {
  from: Stack;
  stackName: string;
  namespace: string;
  kubeconfig: string;
  ready: () => Promise<void>;
}): Promise<number> {
  const rendered = mkdtempSync(join(tmpdir(), "vsekai-bench-manifests-"));
  const settings = await options.from.getAllConfig();
  delete process.env.KUBECONFIG;
  const render = await stackWorkspace({
    stackName: options.stackName,
    passphrase: "vsekai-bench",
    config: {
      ...Object.fromEntries(
        Object.entries(settings)
          .filter(([k]) => k.startsWith("vsekai-infra:"))
          .map(([k, v]) => [k.slice("vsekai-infra:".length), { value: v.value, secret: v.secret }]),
      ),
      renderYamlTo: { value: rendered },
    },
  });
  try {
    await render.stack.up();
  } finally {
    process.env.KUBECONFIG = options.kubeconfig;
  }
  const kubectl = kubectlFor(options.kubeconfig);
  const started = Date.now();
  const namespaceFile = readdirSync(join(rendered, "1-manifest")).find((f) => f.startsWith("v1-namespace-"));
  if (namespaceFile === undefined) throw new Error(`no Namespace manifest in ${rendered}`);
  kubectl("apply", "-f", join(rendered, "1-manifest", namespaceFile));
  kubectl("apply", "-R", "-f", rendered);
  await options.ready();
  const seconds = (Date.now() - started) / 1000;
  kubectl("delete", "namespace", options.namespace, "--wait=false");
  await namespaceGone(options.kubeconfig, options.namespace, 600);
  render.cleanup();
  rmSync(rendered, { recursive: true, force: true });
  return seconds;
}
