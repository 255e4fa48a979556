import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import {
  kindOf,
  known,
  sameNamespace,
  quote,
  selectorMatches,
  type LabelSelector,
  type ObjectMeta,
  type Workload,
} from "./kubernetes.ts";
import { configOf, environmentSchema, forWorkloads, stackWorkloads, type Environment } from "./policy.ts";
import { cockroachNode, weedCall } from "./stack-components.ts";

// Availability: voluntary disruptions (node drains, cluster upgrades) and single failures never take a
// replicated service below what it needs, and the replicated databases are sized so they can survive one.

interface PdbSpec {
  selector?: LabelSelector;
  minAvailable?: number | string;
  maxUnavailable?: number | string;
}

interface Hpa {
  metadata?: ObjectMeta;
  spec?: { scaleTargetRef?: { kind?: string; name?: string }; minReplicas?: number };
}

function labelsOf(workload: Workload): Record<string, string> {
  return known(() => workload.template.metadata?.labels) ?? {};
}

/** The fewest pods a workload runs: its replicas, or its HPA's floor when the HPA owns the count. */
function minimumPods(workload: Workload, hpas: Hpa[]): number {
  if (workload.replicasDeclared) return workload.replicas ?? 1;
  const hpa = hpas.find(
    (h) =>
      h.spec?.scaleTargetRef?.kind === workload.kind &&
      h.spec.scaleTargetRef.name === workload.name &&
      sameNamespace(h.metadata, workload.metadata),
  );
  return hpa?.spec?.minReplicas ?? 1;
}

/** Why a budget can never allow an eviction of a workload with `pods` pods, or undefined. */
function blocksEveryEviction(spec: PdbSpec, pods: number): string | undefined {
  const { maxUnavailable, minAvailable } = spec;
  if (maxUnavailable === 0 || maxUnavailable === "0%") return `maxUnavailable ${maxUnavailable}`;
  if (typeof minAvailable === "number" && minAvailable >= pods)
    return `minAvailable ${minAvailable} of ${pods}`;
  if (minAvailable === "100%") return "minAvailable 100%";
  return undefined;
}

const disruptionBudget: StackValidationPolicy = {
  name: "pod-disruption-budget",
  description:
    "Every Deployment and StatefulSet with more than one pod needs a PodDisruptionBudget selecting its " +
    "pods, so a node drain cannot evict them all at once; and no budget may forbid every eviction " +
    "(maxUnavailable 0, or minAvailable of all pods), which blocks node drains and cluster upgrades forever.",
  validateStack: (args, report) => {
    const budgets = args.resources
      .filter((r) => kindOf(r.type) === "PodDisruptionBudget")
      .map((r) => ({
        urn: r.urn,
        name: r.name,
        metadata: r.props.metadata as ObjectMeta,
        spec: r.props.spec as PdbSpec,
      }));
    const hpas = args.resources
      .filter((r) => kindOf(r.type) === "HorizontalPodAutoscaler")
      .map((r) => r.props as Hpa);
    for (const { urn, workload } of stackWorkloads(args)) {
      if (workload.kind !== "Deployment" && workload.kind !== "StatefulSet") continue;
      const pods = minimumPods(workload, hpas);
      const labels = labelsOf(workload);
      const covering = budgets.filter(
        (b) =>
          sameNamespace(b.metadata, workload.metadata) &&
          selectorMatches(
            known(() => b.spec?.selector),
            labels,
          ),
      );
      const what = `${workload.kind} ${quote(workload.name)}`;
      if (pods > 1 && covering.length === 0) {
        report(`${what} runs ${pods} pods but no PodDisruptionBudget selects them`, urn);
      }
      for (const b of covering) {
        const blocked = blocksEveryEviction(b.spec ?? {}, pods);
        const budgetName = known(() => b.metadata?.name) ?? b.name;
        if (blocked) {
          report(
            `PodDisruptionBudget ${quote(budgetName)} (${blocked}) never lets ${what} be evicted`,
            b.urn,
          );
        }
      }
    }
  },
};

function spreadsOwnPods(workload: Workload): boolean {
  const spec = workload.template.spec ?? {};
  const labels = labelsOf(workload);
  const anti = spec.affinity?.podAntiAffinity;
  const selectors: (LabelSelector | undefined)[] = [
    ...(anti?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => t.labelSelector),
    ...(anti?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map(
      (t) => t.podAffinityTerm?.labelSelector,
    ),
    ...(spec.topologySpreadConstraints ?? []).map((t) => t.labelSelector),
  ];
  return selectors.some((s) =>
    selectorMatches(
      known(() => s),
      labels,
    ),
  );
}

const statefulSetSpreading: ResourceValidationPolicy = {
  name: "statefulset-spreading",
  description:
    "StatefulSets with more than one pod must spread them (pod anti-affinity or a topology spread " +
    "constraint selecting their own pods): replicas of a database or a raft group on one node all fail " +
    "with it, and the quorum the replicas exist for is gone.",
  validateResource: forWorkloads((workload, _args, report) => {
    if (workload.kind !== "StatefulSet" || (workload.replicas ?? 1) <= 1) return;
    if (!spreadsOwnPods(workload)) {
      report(
        `StatefulSet ${quote(workload.name)} runs ${workload.replicas} pods with no pod anti-affinity or ` +
          `topology spread over its own pods`,
      );
    }
  }),
};

interface CockroachNodesConfig {
  environment: Environment;
  minCockroachNodes: number;
}

const cockroachMinNodes: ResourceValidationPolicy = {
  name: "cockroachdb-min-nodes",
  description:
    "Outside dev, a CockroachDB cluster must run at least minCockroachNodes nodes (3 by default): ranges " +
    "keep three replicas, and fewer nodes than that means one node's loss or restart stops the data it holds.",
  configSchema: {
    properties: {
      ...environmentSchema.properties,
      minCockroachNodes: {
        type: "integer",
        minimum: 1,
        default: 3,
        description: "Fewest nodes outside dev.",
      },
    },
  },
  validateResource: forWorkloads((workload, args, report) => {
    const config = configOf<CockroachNodesConfig>(args, { environment: "prod", minCockroachNodes: 3 });
    if (config.environment === "dev") return;
    for (const c of workload.template.spec?.containers ?? []) {
      const node = cockroachNode(c);
      if (!node) continue;
      const nodes = node.command === "start-single-node" ? 1 : workload.replicas;
      if (nodes === undefined || nodes >= config.minCockroachNodes) continue;
      report(
        `CockroachDB ${workload.kind} ${quote(workload.name)} runs ${nodes} node${nodes === 1 ? "" : "s"}; ` +
          `${config.environment} needs at least ${config.minCockroachNodes}`,
      );
    }
  }),
};

/** The masters `-peers` names: undefined for no flag, 1 for single-master mode ("none"). */
function peerCount(peers: string | undefined): number | undefined {
  if (peers === undefined) return undefined;
  if (peers === "none") return 1;
  return peers.split(",").filter((p) => p.trim() !== "").length;
}

const seaweedfsMasterQuorum: ResourceValidationPolicy = {
  name: "seaweedfs-master-quorum",
  description:
    "SeaweedFS masters form a raft group: their number must be odd (an even one tolerates no more failures " +
    "than one fewer, and can split into halves that elect no leader), and -peers must list exactly the " +
    "masters that run, or each master waits for peers that never come or elects itself alone.",
  validateResource: forWorkloads((workload, _args, report) => {
    for (const c of workload.template.spec?.containers ?? []) {
      const master = weedCall(c, "master");
      if (!master) continue;
      const replicas = workload.replicas;
      const what = `SeaweedFS master ${workload.kind} ${quote(workload.name)}`;
      if (replicas === undefined) continue;
      if (replicas % 2 === 0) report(`${what} runs ${replicas} masters; raft needs an odd number`);
      const peers = peerCount(known(() => master.flags.get("peers")));
      if (peers === undefined && replicas > 1) {
        report(`${what} runs ${replicas} masters without -peers, so each one forms its own cluster`);
      } else if (peers !== undefined && peers !== replicas) {
        report(`${what} lists ${peers} master${peers === 1 ? "" : "s"} in -peers but runs ${replicas}`);
      }
    }
  }),
};

/**
 * What a SeaweedFS replication setting "xyz" needs: x copies in other data centers, y on other racks, z on
 * other servers of the same rack, plus the original.
 */
export function replicationNeeds(
  replication: string,
): { x: number; y: number; z: number; servers: number } | undefined {
  if (!/^[0-9]{3}$/.test(replication)) return undefined;
  const [x = 0, y = 0, z = 0] = [...replication].map(Number);
  return { x, y, z, servers: 1 + x + y + z };
}

const seaweedfsReplication: StackValidationPolicy = {
  name: "seaweedfs-replication",
  description:
    "The SeaweedFS masters' -defaultReplication (xyz: copies in other data centers, other racks, same rack) " +
    "must be satisfiable by the volume servers the stack runs: it needs 1+x+y+z of them, and x or y only " +
    "work when volume servers declare -dataCenter / -rack. Otherwise every write fails with no writable volume.",
  validateStack: (args, report) => {
    const workloads = stackWorkloads(args);
    const volumes = workloads.flatMap(({ workload }) =>
      (workload.template.spec?.containers ?? []).flatMap((c) => {
        const call = weedCall(c, "volume");
        return call ? [{ workload, call }] : [];
      }),
    );
    const servers = volumes.reduce((sum, v) => sum + (v.workload.replicas ?? 1), 0);
    const declares = (flag: string) => volumes.some((v) => known(() => v.call.flags.get(flag)) !== undefined);
    for (const { urn, workload } of workloads) {
      for (const c of workload.template.spec?.containers ?? []) {
        const master = weedCall(c, "master");
        if (!master) continue;
        const replication = known(() => master.flags.get("defaultReplication")) ?? "000";
        const needs = replicationNeeds(replication);
        const setting = `-defaultReplication ${quote(replication)}`;
        if (!needs) {
          report(`${setting} is not three digits xyz (other data centers, other racks, same rack)`, urn);
          continue;
        }
        if (needs.x > 0 && !declares("dataCenter")) {
          report(`${setting} puts copies in other data centers, but no volume server sets -dataCenter`, urn);
        }
        if (needs.y > 0 && !declares("rack")) {
          report(`${setting} puts copies on other racks, but no volume server sets -rack`, urn);
        }
        if (servers < needs.servers) {
          report(`${setting} needs ${needs.servers} volume servers, but the stack runs ${servers}`, urn);
        }
      }
    }
  },
};

export const availabilityPolicies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
  disruptionBudget,
  statefulSetSpreading,
  cockroachMinNodes,
  seaweedfsMasterQuorum,
  seaweedfsReplication,
];
