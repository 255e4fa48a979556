import type * as k8s from "@pulumi/kubernetes";
import { volumeArgs } from "./args.ts";
import { volumeProbes } from "./probes.ts";
import { statefulServer } from "./stateful.ts";
import { VOLUME_GRPC_PORT, VOLUME_PORT, volumePeersFqdn } from "./topology.ts";
import type { SeaweedfsScope } from "./workloads.ts";

// The volume servers: they hold the file data, one PVC each, and become ready once they heartbeat to the
// master leader. Each advertises its own pod name, because clients are sent to the one server that has a
// file. What concerns their lifecycle (start order, shutdown, later changes of count or version) belongs
// here.

/**
 * The volume servers' StatefulSet, created once the masters are ready (see SeaweedfsCluster), and changed
 * only once the evacuation Job has emptied any server a lower count removes (evacuate.ts).
 */
export function declareVolumeServers(
  scope: SeaweedfsScope,
  masters: k8s.apps.v1.StatefulSet,
  evacuation: k8s.batch.v1.Job,
): k8s.apps.v1.StatefulSet {
  const s = scope.settings;
  return statefulServer(scope, "volume", {
    objectName: scope.names.volume,
    peersService: scope.names.volumePeersService,
    replicas: s.volumeServers,
    storage: s.volumeStorage,
    resources: s.volumeResources,
    port: VOLUME_PORT,
    grpcPort: VOLUME_GRPC_PORT,
    args: volumeArgs({
      masters: scope.masters,
      peersFqdn: volumePeersFqdn(scope.address),
      maxVolumes: s.maxVolumes,
    }),
    probes: volumeProbes(),
    // -preStopSeconds (10 s) of draining, then closing volumes cleanly.
    gracePeriodSeconds: 60,
    startDelaySeconds: 0,
    after: [masters, evacuation],
  });
}
