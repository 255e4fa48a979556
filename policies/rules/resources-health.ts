import type { ResourceValidationPolicy } from "@pulumi/policy";
import { allContainers, declaresPort, known, quote, type Container, type Probe } from "./kubernetes.ts";
import { forWorkloads } from "./policy.ts";

// Resources and health: the scheduler knows what each pod needs, the kubelet knows when a pod can take
// traffic and when it is stuck, and finished Jobs do not pile up.

const RESOURCE_FIELDS = [
  ["requests", "cpu"],
  ["requests", "memory"],
  ["limits", "cpu"],
  ["limits", "memory"],
] as const;

const containerResources: ResourceValidationPolicy = {
  name: "container-resources",
  description:
    "Every container (init containers too) must set CPU and memory requests and limits: without requests " +
    "the scheduler packs pods onto nodes that cannot hold them, without a memory limit one leak takes the " +
    "node's memory from its neighbours, and the databases size their caches from the limit.",
  validateResource: forWorkloads((workload, _args, report) => {
    for (const c of allContainers(workload.template.spec)) {
      // Presence is what counts: a value computed during preview is still set.
      const missing = RESOURCE_FIELDS.filter(([kind, resource]) => {
        const group = known(() => c.resources?.[kind]);
        return group === undefined || !(resource in group);
      }).map(([kind, resource]) => `${kind}.${resource}`);
      if (missing.length > 0) report(`container ${quote(c.name)} sets no ${missing.join(", ")}`);
    }
  }),
};

/** Containers that serve for the pod's whole life: regular containers and sidecars (restartPolicy Always). */
function servingContainers(spec: { containers?: Container[]; initContainers?: Container[] } | undefined) {
  return [
    ...(spec?.initContainers ?? []).filter((c) => c.restartPolicy === "Always"),
    ...(spec?.containers ?? []),
  ];
}

const containerProbes: ResourceValidationPolicy = {
  name: "container-probes",
  description:
    "Long-running containers must have a readiness probe (so a Service sends traffic only to pods that can " +
    "serve it, and a rollout stops at the first broken pod) and a liveness probe (so a hung process is " +
    "restarted instead of holding its place). Jobs run to completion and need neither.",
  validateResource: forWorkloads((workload, _args, report) => {
    if (!workload.longRunning) return;
    for (const c of servingContainers(workload.template.spec)) {
      if (c.readinessProbe === undefined) report(`container ${quote(c.name)} has no readinessProbe`);
      if (c.livenessProbe === undefined) report(`container ${quote(c.name)} has no livenessProbe`);
    }
  }),
};

function probePort(probe: Probe): number | string | undefined {
  return known(() => probe.httpGet?.port ?? probe.tcpSocket?.port ?? probe.grpc?.port);
}

const PROBES = ["readinessProbe", "livenessProbe", "startupProbe"] as const;

const probePorts: ResourceValidationPolicy = {
  name: "probe-ports-declared",
  description:
    "HTTP, TCP and gRPC probes must target a port the container declares, by name or number: a probe on a " +
    "port nothing listens on fails forever (readiness never comes, liveness restarts the pod in a loop), " +
    "and a named port that does not exist is refused by the kubelet.",
  validateResource: forWorkloads((workload, _args, report) => {
    for (const c of allContainers(workload.template.spec)) {
      for (const kind of PROBES) {
        const probe = c[kind];
        if (probe === undefined) continue;
        const port = probePort(probe);
        if (port === undefined) continue;
        if (!declaresPort(c, port)) {
          report(
            `container ${quote(c.name)} ${kind} targets port ${typeof port === "string" ? quote(port) : port}, ` +
              `which the container does not declare`,
          );
        }
      }
    }
  }),
};

const jobTtl: ResourceValidationPolicy = {
  name: "job-ttl",
  description:
    "Jobs must set ttlSecondsAfterFinished: a finished Job and its pods otherwise stay forever, piling up " +
    "in the namespace and keeping every Secret they mounted referenced.",
  validateResource: forWorkloads((workload, _args, report) => {
    if (workload.kind !== "Job") return;
    const spec = (workload.raw.spec ?? {}) as { ttlSecondsAfterFinished?: number };
    if (!("ttlSecondsAfterFinished" in spec)) {
      report(`Job ${quote(workload.name)} has no ttlSecondsAfterFinished`);
    }
  }),
};

export const resourcesHealthPolicies: ResourceValidationPolicy[] = [
  containerResources,
  containerProbes,
  probePorts,
  jobTtl,
];
