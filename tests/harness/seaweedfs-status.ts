import { execFileSync } from "node:child_process";
import { MASTER_PORT } from "../../components/seaweedfs/topology.ts";

// What the SeaweedFS masters say about the cluster, read the way an operator would: each master's
// /cluster/status (raft: is it the leader, whom does it follow) and the leader's /dir/status (the volume
// servers it knows). Only the pods' own addresses on this machine's cluster network are asked.

export interface RaftView {
  /** The master asked (its pod IP). */
  master: string;
  isLeader: boolean;
  /** The leader it names, `host:port`, or "" while it knows none. */
  leader: string;
}

interface ClusterStatus {
  IsLeader?: boolean;
  Leader?: string;
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url, { signal: AbortSignal.timeout(3_000) });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return (await response.json()) as T;
}

/** Every reachable master's raft view; a master that does not answer is left out. */
export async function raftViews(masterIps: string[]): Promise<RaftView[]> {
  const views = await Promise.all(
    masterIps.map(async (ip) => {
      try {
        const status = await getJson<ClusterStatus>(`http://${ip}:${MASTER_PORT}/cluster/status`);
        return { master: ip, isLeader: status.IsLeader === true, leader: status.Leader ?? "" };
      } catch {
        return undefined;
      }
    }),
  );
  return views.filter((v): v is RaftView => v !== undefined);
}

/**
 * The one leader every answering master agrees on, or undefined while there is none, or more than one
 * claims it, or they disagree (all three are what an operator must not see for long).
 */
export function agreedLeader(views: RaftView[], quorum: number): string | undefined {
  if (views.length < quorum) return undefined;
  const claimants = views.filter((v) => v.isLeader);
  if (claimants.length !== 1) return undefined;
  const named = new Set(views.map((v) => v.leader));
  if (named.size !== 1) return undefined;
  const [leader] = named;
  return leader === "" ? undefined : leader;
}

/**
 * The leader raft has elected, as soon as it has: exactly one master claims leadership and a majority of the
 * masters (the claimant included) name it. A master that is still starting, or has not heard from the new
 * leader yet, does not hold this back as it holds back `agreedLeader`.
 */
export function electedLeader(views: RaftView[], quorum: number): string | undefined {
  const claimants = views.filter((v) => v.isLeader);
  const [claimant] = claimants;
  if (claimants.length !== 1 || claimant === undefined || claimant.leader === "") return undefined;
  const followers = views.filter((v) => v.leader === claimant.leader).length;
  return followers >= quorum ? claimant.leader : undefined;
}

interface DirStatus {
  Topology?: {
    DataCenters?: { Racks?: { DataNodes?: { Url?: string; Volumes?: number }[] }[] }[];
  };
}

/** The volume servers the leader knows (their `host:port`), read from any master, which redirects. */
export async function registeredVolumeServers(masterIp: string): Promise<string[]> {
  const status = await getJson<DirStatus>(`http://${masterIp}:${MASTER_PORT}/dir/status`);
  return (status.Topology?.DataCenters ?? [])
    .flatMap((dc) => dc.Racks ?? [])
    .flatMap((rack) => rack.DataNodes ?? [])
    .map((node) => node.Url ?? "")
    .filter((url) => url !== "");
}

/**
 * Runs `weed shell` commands inside a master pod (the image has weed; the shell talks to the master on
 * localhost), returning what it printed. Used for `volume.fix.replication -n`, which lists what is
 * under-replicated without changing anything.
 */
export function weedShell(
  kubectl: (args: string[], input?: string) => string,
  namespace: string,
  pod: string,
  commands: string[],
): string {
  return kubectl(
    ["-n", namespace, "exec", "-i", pod, "--", "weed", "shell", `-master=localhost:${MASTER_PORT}`],
    commands.join("\n") + "\nexit\n",
  );
}

/**
 * Volume ids `volume.fix.replication -n` reports as under-replicated (its dry run changes nothing). The line
 * it prints, in weed 4.53's weed/shell/command_volume_fix_replication.go:
 * "volume 7 replication 001, but under replicated +1".
 */
export function underReplicatedVolumes(dryRunOutput: string): number[] {
  const ids = new Set<number>();
  for (const match of dryRunOutput.matchAll(/^volume (\d+) replication \d{3}, but under replicated/gm)) {
    ids.add(Number(match[1]));
  }
  return [...ids].sort((a, b) => a - b);
}

/** kubectl for the harness: the cluster's own kubeconfig, bounded in time. */
export function kubectlRunner(kubeconfig: string): (args: string[], input?: string) => string {
  return (args, input) =>
    execFileSync("kubectl", ["--kubeconfig", kubeconfig, "--request-timeout=30s", ...args], {
      input,
      encoding: "utf8",
      timeout: 120_000,
      stdio: ["pipe", "pipe", "pipe"],
    });
}
