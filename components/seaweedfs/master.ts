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
