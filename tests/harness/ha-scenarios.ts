import type * as k8s from "@kubernetes/client-node";
import { cutPodNetwork, deletePod, evictPod, isReady, podsMatching, type EvictionOutcome } from "./faults.ts";
import type { Scenario } from "./scenarios.ts";
import {
  agreedLeader,
  electedLeader,
  raftViews,
  registeredVolumeServers,
  underReplicatedVolumes,
  weedShell,
} from "./seaweedfs-status.ts";

// The fault scenarios of the HA stack (issue 10), each one piece broken under load. They name pods by the
// recommended labels every component sets, so they follow whatever the stack's prefix and counts are.

export interface HaContext {
  kc: k8s.KubeConfig;
  kubectl: (args: string[], input?: string) => string;
  namespace: string;
  /** The app's Kubernetes name (app.kubernetes.io/name of its pods). */
  appName: string;
  /** Expected counts of the production shape. */
  counts: { masters: number; volumes: number; filers: number; gateways: number; app: number };
  /** The SQL stand-in's namespace and pod label, when the tier is the stand-in. */
  sqlStandin?: { namespace: string; selector: string };
  /** Stops and starts the whole local cluster (a node reboot). */
  restartCluster?: () => Promise<void>;
}

type Part = "master" | "volume" | "filer" | "s3" | "app";

function selectorOf(ctx: HaContext, part: Part): string {
  return part === "app"
    ? `app.kubernetes.io/name=${ctx.appName},app.kubernetes.io/component=server`
    : `app.kubernetes.io/name=seaweedfs,app.kubernetes.io/component=${part}`;
}

export function podsOf(ctx: HaContext, part: Part): Promise<k8s.V1Pod[]> {
  return podsMatching(ctx.kc, ctx.namespace, selectorOf(ctx, part));
}

/** A majority of the masters: what raft needs to elect and what `agreedLeader` asks to hear from. */
const quorumOf = (ctx: HaContext): number => Math.floor(ctx.counts.masters / 2) + 1;

function expected(ctx: HaContext, part: Part): number {
  const { counts } = ctx;
  return {
    master: counts.masters,
    volume: counts.volumes,
    filer: counts.filers,
    s3: counts.gateways,
    app: counts.app,
  }[part];
}

const ipOf = (pod: k8s.V1Pod): string => pod.status?.podIP ?? "";
const nameOf = (pod: k8s.V1Pod): string => pod.metadata?.name ?? "";

/**
 * Every component ready at its full count, one raft leader that every master names, every volume server
 * registered with it, and the SQL tier ready.
 */
export async function stackWhole(ctx: HaContext): Promise<boolean> {
  for (const part of ["master", "volume", "filer", "s3", "app"] as const) {
    const pods = await podsOf(ctx, part);
    if (pods.filter(isReady).length !== expected(ctx, part)) return false;
  }
  const masters = (await podsOf(ctx, "master")).map(ipOf);
  if (agreedLeader(await raftViews(masters), quorumOf(ctx)) === undefined) return false;
  const registered = await registeredVolumeServers(masters[0] ?? "");
  if (registered.length !== ctx.counts.volumes) return false;
  if (ctx.sqlStandin !== undefined) {
    const sql = await podsMatching(ctx.kc, ctx.sqlStandin.namespace, ctx.sqlStandin.selector);
    if (!sql.some(isReady)) return false;
  }
  return true;
}

async function deleteOne(ctx: HaContext, part: Part, pick: (pods: k8s.V1Pod[]) => Promise<k8s.V1Pod>) {
  const pod = await pick(await podsOf(ctx, part));
  await deletePod(ctx.kc, { namespace: ctx.namespace, name: nameOf(pod) });
  return `deleted ${nameOf(pod)}`;
}

/** The master pod that claims raft leadership, and the `host:port` the masters know it by. */
async function leader(masters: k8s.V1Pod[]): Promise<{ pod: k8s.V1Pod; address: string }> {
  const claim = (await raftViews(masters.map(ipOf))).find((v) => v.isLeader);
  const pod = masters.find((m) => ipOf(m) === claim?.master);
  if (claim === undefined || pod === undefined) throw new Error("no master claims raft leadership");
  return { pod, address: claim.leader };
}

const first = async (pods: k8s.V1Pod[]): Promise<k8s.V1Pod> => {
  const pod = pods.find(isReady);
  if (pod === undefined) throw new Error("no ready pod to break");
  return pod;
};

/**
 * Seconds until raft elected a leader other than `old` (a majority names it) and until every answering master
 * agrees on it, polled every 200 ms (bounded). The two differ by how long the deleted master's replacement
 * takes to start and hear from the new leader.
 */
export async function newLeaderSeconds(
  ctx: HaContext,
  old: string,
  boundSeconds = 60,
): Promise<{ elected?: number; agreed?: number }> {
  const started = performance.now();
  const quorum = quorumOf(ctx);
  const since = () => (performance.now() - started) / 1000;
  let elected: number | undefined;
  while (since() < boundSeconds) {
    const masters = (await podsOf(ctx, "master")).filter((p) => ipOf(p) !== "").map(ipOf);
    const views = await raftViews(masters);
    const candidate = electedLeader(views, quorum);
    if (elected === undefined && candidate !== undefined && candidate !== old) elected = since();
    const agreed = agreedLeader(views, quorum);
    if (agreed !== undefined && agreed !== old) return { elected: elected ?? since(), agreed: since() };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { elected };
}

/**
 * Evicts every pod of the listed parts at once and retries the refused ones every 2 s, as `kubectl drain`
 * does, until each was evicted once (bounded). Returns how many evictions the disruption budgets refused:
 * with one unavailable pod allowed per workload, at least replicas − 1 per workload.
 */
export async function drain(
  ctx: HaContext,
  parts: Part[],
  boundSeconds = 240,
): Promise<{ refused: number; evicted: string[] }> {
  const pending = new Map<string, k8s.V1Pod>();
  for (const part of parts) for (const pod of await podsOf(ctx, part)) pending.set(nameOf(pod), pod);
  const evicted: string[] = [];
  let refused = 0;
  const started = performance.now();
  while (pending.size > 0) {
    if (performance.now() - started > boundSeconds * 1000) {
      throw new Error(`drain: ${[...pending.keys()].join(", ")} not evicted within ${boundSeconds} s`);
    }
    const outcomes = await Promise.all(
      [...pending.keys()].map(async (name): Promise<[string, EvictionOutcome]> => [
        name,
        await evictPod(ctx.kc, { namespace: ctx.namespace, name }),
      ]),
    );
    for (const [name, outcome] of outcomes) {
      if (outcome === "evicted") {
        pending.delete(name);
        evicted.push(name);
      } else refused += 1;
    }
    if (pending.size > 0) await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
  return { refused, evicted };
}

/** Every scenario, in the order they run; some apply only where the stack has the piece they break. */
export const HA_SCENARIO_NAMES = [
  "master (raft leader) deleted",
  "volume server deleted",
  "filer deleted",
  "S3 gateway deleted",
  "app pod deleted",
  "drain (Eviction API, every pod)",
  "SQL stand-in restarted",
  "volume server cut off 30 s",
  "whole cluster stopped and started",
] as const;
type ScenarioName = (typeof HA_SCENARIO_NAMES)[number];

export function haScenarios(ctx: HaContext): Scenario[] {
  const whole = () => stackWhole(ctx);
  const scenarios: (Scenario & { name: ScenarioName })[] = [
    {
      name: "master (raft leader) deleted",
      recoveryBoundSeconds: 180,
      whole,
      inject: async () => {
        const old = await leader(await podsOf(ctx, "master"));
        await deletePod(ctx.kc, { namespace: ctx.namespace, name: nameOf(old.pod) });
        const { elected, agreed } = await newLeaderSeconds(ctx, old.address);
        const after = (s: number | undefined) => (s === undefined ? "never (60 s)" : `${s.toFixed(1)} s`);
        return `deleted leader ${nameOf(old.pod)}; new leader elected after ${after(elected)}, every master agreed after ${after(agreed)}`;
      },
    },
    {
      name: "volume server deleted",
      recoveryBoundSeconds: 180,
      whole,
      inject: () => deleteOne(ctx, "volume", async (pods) => pods[pods.length - 1] ?? (await first(pods))),
    },
    { name: "filer deleted", recoveryBoundSeconds: 180, whole, inject: () => deleteOne(ctx, "filer", first) },
    {
      name: "S3 gateway deleted",
      recoveryBoundSeconds: 180,
      whole,
      inject: () => deleteOne(ctx, "s3", first),
    },
    { name: "app pod deleted", recoveryBoundSeconds: 180, whole, inject: () => deleteOne(ctx, "app", first) },
    {
      name: "drain (Eviction API, every pod)",
      recoveryBoundSeconds: 300,
      whole,
      inject: async () => {
        const { refused, evicted } = await drain(ctx, ["app", "s3", "filer", "volume", "master"]);
        return `${evicted.length} pods evicted, ${refused} evictions refused by PodDisruptionBudgets`;
      },
    },
  ];
  if (ctx.sqlStandin !== undefined) {
    const standin = ctx.sqlStandin;
    scenarios.push({
      name: "SQL stand-in restarted",
      recoveryBoundSeconds: 240,
      whole,
      inject: async () => {
        const pods = await podsMatching(ctx.kc, standin.namespace, standin.selector);
        for (const pod of pods) await deletePod(ctx.kc, { namespace: standin.namespace, name: nameOf(pod) });
        return `deleted ${pods.map(nameOf).join(", ")}`;
      },
    });
  }
  scenarios.push({
    name: "volume server cut off 30 s",
    recoveryBoundSeconds: 240,
    whole,
    inject: async () => {
      const pods = await podsOf(ctx, "volume");
      const pod = pods[0] ?? (await first(pods));
      const restore = cutPodNetwork(ipOf(pod));
      try {
        await new Promise((resolve) => setTimeout(resolve, 30_000));
      } finally {
        restore();
      }
      return `cut ${nameOf(pod)} off for 30 s`;
    },
  });
  if (ctx.restartCluster !== undefined) {
    const restartCluster = ctx.restartCluster;
    scenarios.push({
      name: "whole cluster stopped and started",
      recoveryBoundSeconds: 600,
      whole,
      inject: async () => {
        await restartCluster();
        return "cluster.sh stop, then start; no pulumi up";
      },
    });
  }
  return scenarios;
}

/** Volumes the masters report as missing a copy (weed shell's dry run in the first master pod). */
export async function underReplicated(ctx: HaContext): Promise<number[]> {
  const master = nameOf((await podsOf(ctx, "master"))[0] ?? {});
  return underReplicatedVolumes(weedShell(ctx.kubectl, ctx.namespace, master, ["volume.fix.replication -n"]));
}
