import { declareClientJob, type ClientJob } from "./client-job.ts";
import { COCKROACH_BINARY, securityFlag } from "./paths.ts";
import type { ClientJobArgs } from "./pod.ts";
import { decommissionJobScript } from "./scaling.ts";
import { discoveryFqdn } from "./topology.ts";

// The Job the StatefulSet waits on, so that a lower `cockroach.nodes` never removes a node CockroachDB
// still counts on (see scaling.ts for what it does and why it needs no memory of the previous count).
// Its pods reach the nodes on 26257 (SQL and gRPC).

/** Asking the cluster for its nodes: 60 tries 5 s apart. */
const ATTEMPTS = 60;
/** Moving a node's replicas away takes as long as copying its data; three hours bound a large node. */
const DEADLINE_SECONDS = 3 * 3600;

/** Its dependsOn: the Services and Secrets it needs to exist first. */
export type DecommissionJobArgs = ClientJobArgs;

export function declareDecommissionJob(o: DecommissionJobArgs): ClientJob {
  const s = o.settings;
  const address = o.address;
  return declareClientJob(o, {
    role: "decommission",
    objectName: address.names.decommissionJob,
    component: "decommission",
    command: [
      "/bin/sh",
      "-c",
      decommissionJobScript({
        requested: s.nodes,
        statefulSet: address.names.statefulSet,
        discoveryFqdn: discoveryFqdn(address),
        securityFlag: securityFlag(s.tls),
        cockroach: COCKROACH_BINARY,
        attempts: ATTEMPTS,
      }),
    ],
    deadlineSeconds: DEADLINE_SECONDS,
    ttlSeconds: 3600,
    // A new node count is a new script, so the Job is replaced and runs again.
    timeout: "3h",
  });
}
