import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import * as k8s from "@kubernetes/client-node";

// Faults for the live scenarios, each aimed at one pod of the local cluster this machine runs: delete it,
// evict it the way a node drain does, or cut its network namespace off for a while. Nothing here reaches
// past the cluster's own pods: the network cut runs iptables inside the pod's own network namespace, found
// through the pod's sandbox process on this host.

/** The iptables comment that marks this harness's rules, so a restore removes exactly them. */
const FAULT_MARK = "vsekai-fault";

export interface PodRef {
  namespace: string;
  name: string;
}

export function coreApi(kc: k8s.KubeConfig): k8s.CoreV1Api {
  return kc.makeApiClient(k8s.CoreV1Api);
}

/** Deletes a pod at once (grace period as the pod declares it unless `graceSeconds` says otherwise). */
export async function deletePod(kc: k8s.KubeConfig, pod: PodRef, graceSeconds?: number): Promise<void> {
  await coreApi(kc).deleteNamespacedPod({
    name: pod.name,
    namespace: pod.namespace,
    ...(graceSeconds === undefined ? {} : { gracePeriodSeconds: graceSeconds }),
  });
}

export type EvictionOutcome = "evicted" | "refused-by-disruption-budget";

/**
 * Asks the Eviction API to remove a pod, as `kubectl drain` does: the API server refuses (429) when a
 * PodDisruptionBudget would be broken, and the caller is expected to retry later.
 */
export async function evictPod(kc: k8s.KubeConfig, pod: PodRef): Promise<EvictionOutcome> {
  try {
    await coreApi(kc).createNamespacedPodEviction({
      name: pod.name,
      namespace: pod.namespace,
      body: {
        apiVersion: "policy/v1",
        kind: "Eviction",
        metadata: { name: pod.name, namespace: pod.namespace },
      },
    });
    return "evicted";
  } catch (error) {
    if ((error as { code?: number }).code === 429) return "refused-by-disruption-budget";
    throw error;
  }
}

/** The pods in a namespace that match a label selector, sorted by name. */
export async function podsMatching(
  kc: k8s.KubeConfig,
  namespace: string,
  labelSelector: string,
): Promise<k8s.V1Pod[]> {
  const list = await coreApi(kc).listNamespacedPod({ namespace, labelSelector });
  return list.items.sort((a, b) => (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""));
}

export { isReady } from "../../tools/stack/pods.ts";

/**
 * The pid of a process inside the pod's network namespace on this host: the sandbox ("pause") process
 * whose namespace holds the pod's IP. Pods live in namespaces this machine's container runtime made, so
 * the search is over local processes only.
 */
export function podNetnsPid(podIp: string): number {
  const seen = new Set<string>();
  for (const entry of readdirSync("/proc")) {
    if (!/^[0-9]+$/.test(entry)) continue;
    let comm: string;
    let netns: string;
    try {
      comm = readFileSync(`/proc/${entry}/comm`, "utf8").trim();
      netns = readlinkSync(`/proc/${entry}/ns/net`);
    } catch {
      continue; // the process ended while we looked
    }
    if (comm !== "pause" || seen.has(netns)) continue;
    seen.add(netns);
    const addresses = execFileSync("nsenter", ["-t", entry, "-n", "ip", "-o", "-4", "addr", "show"], {
      encoding: "utf8",
      timeout: 10_000,
    });
    if (addresses.includes(` ${podIp}/`)) return Number(entry);
  }
  throw new Error(`no pod sandbox on this host holds ${podIp}`);
}

function iptablesIn(pid: number, args: string[]): void {
  execFileSync("nsenter", ["-t", String(pid), "-n", "iptables", "-w", "5", ...args], {
    encoding: "utf8",
    timeout: 20_000,
  });
}

const CUT_RULES: string[][] = [
  ["INPUT", "-i", "lo", "-j", "ACCEPT"],
  ["OUTPUT", "-o", "lo", "-j", "ACCEPT"],
  ["INPUT", "-j", "DROP"],
  ["OUTPUT", "-j", "DROP"],
];

/**
 * Cuts a pod off the network (everything but its loopback, both ways) until the returned function restores
 * it. The rules are inserted first in the pod's own namespace and carry a mark, so restoring removes exactly
 * them and nothing the pod's own network set up.
 */
export function cutPodNetwork(podIp: string): () => void {
  const pid = podNetnsPid(podIp);
  const spec = ([chain = "", ...match]: string[]) => ({
    chain,
    rule: ["-m", "comment", "--comment", FAULT_MARK, ...match],
  });
  // Inserted in reverse at position 1, so the loopback accepts end up above the drops.
  for (const { chain, rule } of [...CUT_RULES].reverse().map(spec))
    iptablesIn(pid, ["-I", chain, "1", ...rule]);
  let restored = false;
  return () => {
    if (restored) return;
    restored = true;
    for (const { chain, rule } of CUT_RULES.map(spec)) iptablesIn(pid, ["-D", chain, ...rule]);
  };
}
