import type * as k8s from "@pulumi/kubernetes";
import { masterArgs } from "./args.ts";
import { servicePorts } from "./pod.ts";
import { masterProbes } from "./probes.ts";
import { statefulServer } from "./stateful.ts";
import { MASTER_GRPC_PORT, MASTER_PORT, masterPeersFqdn } from "./topology.ts";
import { clusterIpService, type SeaweedfsScope } from "./workloads.ts";

// The raft masters: they elect a leader on their own once a quorum runs (they start in parallel, none is
// ready before), keep the raft log and the max file id on their PVC, and tell everyone else where volumes
// live. Everything that dials a master by pod name waits for this StatefulSet (see SeaweedfsCluster).

/**
 * How long each master waits before weed starts, when there are peers. weed dials its peers by pod name
 * the moment it starts, and a name asked for before the pod's address is published is answered "no such
 * host", which CoreDNS as kubeadm configures it (`ttl 30`, `cache 30`) then repeats for 30 s. Measured
 * here: the peers' pods start about 2 s after they are created and their addresses are published 1 to
 * 2 s after creation, so masters that dialled at once met those answers, the first master founded the
 * cluster alone, and a leader that all three follow came 34 to 50 s after creation. Five seconds lets
 * every peer's address be published first; a master that restarts alone loses the same five seconds.
 */
export const MASTER_START_DELAY_SECONDS = 5;

export function masterStartDelay(masters: number): number {
  return masters > 1 ? MASTER_START_DELAY_SECONDS : 0;
}

/** The masters' StatefulSet (what dependents wait for) and the Service tools use to reach any master. */
export function declareMasters(scope: SeaweedfsScope): k8s.apps.v1.StatefulSet {
  const s = scope.settings;
  const masters = statefulServer(scope, "master", {
    objectName: scope.names.master,
    peersService: scope.names.masterPeersService,
    replicas: s.masters,
    storage: s.masterStorage,
    resources: s.masterResources,
    port: MASTER_PORT,
    grpcPort: MASTER_GRPC_PORT,
    args: masterArgs({
      peers: scope.masters,
      peersFqdn: masterPeersFqdn(scope.address),
      volumeSizeLimitMB: s.volumeSizeLimitMB,
      replication: s.replication,
    }),
    probes: masterProbes(),
    gracePeriodSeconds: 30,
    startDelaySeconds: masterStartDelay(s.masters),
    after: [],
  });
  clusterIpService(
    scope,
    "master",
    "master",
    scope.names.masterService,
    servicePorts(MASTER_PORT, MASTER_GRPC_PORT),
  );
  return masters;
}
