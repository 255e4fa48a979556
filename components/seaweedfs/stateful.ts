import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { Resources, Storage } from "../config/types.ts";
import { statefulSetRolledOut } from "../shared/awaiting.ts";
import { selectorLabels } from "../shared/labels.ts";
import { dataHolderOptions } from "../shared/protection.ts";
import { DATA_DIR, WEED_BINARY } from "./args.ts";
import { HOME, POD_NAME, TMP_MOUNT, TMP_VOLUME, serverPorts, servicePorts } from "./pod.ts";
import type { ServerProbes } from "./probes.ts";
import { DATA_CLAIM } from "./topology.ts";
import {
  disruptionBudget,
  objectMeta,
  weedContainer,
  weedPod,
  type ObjectMeta,
  type PodSpec,
  type SeaweedfsScope,
} from "./workloads.ts";

// Masters and volume servers: stateful, each pod addressed by name, data on its own PVC. They share the
// shape (a headless Service, a StatefulSet with one claim per pod, a disruption budget); master.ts and
// volume.ts say what differs.

/** What differs between the master and the volume server StatefulSets. */
export interface StatefulServer {
  objectName: string;
  peersService: string;
  replicas: number;
  storage: Storage;
  resources: Resources;
  port: number;
  grpcPort: number;
  args: string[];
  probes: ServerProbes;
  gracePeriodSeconds: number;
  /** Seconds the container waits before weed starts (see masterStartDelay); 0 starts it at once. */
  startDelaySeconds: number;
  /** Created only once these are ready. */
  after: pulumi.Resource[];
}

/** The headless Service, the StatefulSet and the disruption budget of masters or volume servers. */
export function statefulServer(
  scope: SeaweedfsScope,
  part: "master" | "volume",
  o: StatefulServer,
): k8s.apps.v1.StatefulSet {
  const w = scope.workloads[part];
  const headless = new k8s.core.v1.Service(
    `${scope.name}-${part}-peers`,
    {
      metadata: objectMeta(scope, o.peersService, part),
      spec: {
        clusterIP: "None",
        // Masters must resolve each other before any is ready (none is, without a raft leader), and
        // a restarting volume server must stay resolvable under the name the master handed out.
        publishNotReadyAddresses: true,
        selector: selectorLabels(w),
        ports: servicePorts(o.port, o.grpcPort),
      },
    },
    { parent: scope.parent },
  );
  const set = statefulSet(scope, part, {
    metadata: objectMeta(scope, o.objectName, part),
    serviceName: o.peersService,
    replicas: o.replicas,
    storage: o.storage,
    pod: weedPod(
      w,
      {
        terminationGracePeriodSeconds: o.gracePeriodSeconds,
        volumes: [TMP_VOLUME],
        containers: [
          weedContainer(scope, part, o.resources, {
            command: delayedStart(o.startDelaySeconds),
            args: o.args,
            env: [POD_NAME, HOME],
            ports: serverPorts(o.port, o.grpcPort),
            ...o.probes,
            volumeMounts: [{ name: DATA_CLAIM, mountPath: DATA_DIR }, TMP_MOUNT],
          }),
        ],
      },
      true,
    ),
    dependsOn: [headless, ...o.after],
  });
  disruptionBudget(scope, part, part, o.objectName);
  return set;
}

/**
 * The container's command: weed itself, or a shell that waits `seconds` and then becomes weed with the
 * same arguments (the kubelet still expands `$(POD_NAME)` in them).
 */
export function delayedStart(seconds: number): string[] {
  if (!Number.isInteger(seconds) || seconds < 0)
    throw new Error(`start delay ${seconds} is not a whole number of seconds`);
  return seconds === 0
    ? [WEED_BINARY]
    : ["/bin/sh", "-c", `sleep ${seconds}; exec ${WEED_BINARY} "$@"`, "weed"];
}

function statefulSet(
  scope: SeaweedfsScope,
  part: "master" | "volume",
  o: {
    serviceName: string;
    replicas: number;
    metadata: ObjectMeta;
    storage: Storage;
    pod: PodSpec;
    dependsOn: pulumi.Resource[];
  },
): k8s.apps.v1.StatefulSet {
  const selector = selectorLabels(scope.workloads[part]);
  return new k8s.apps.v1.StatefulSet(
    `${scope.name}-${part}`,
    {
      // Dependents wait for the whole roll, not just for the API to accept the change (awaiting.ts).
      metadata: {
        ...o.metadata,
        annotations: statefulSetRolledOut(o.replicas),
      },
      spec: {
        serviceName: o.serviceName,
        replicas: o.replicas,
        selector: { matchLabels: selector },
        // All at once: masters need a quorum before any is ready, and volume servers do not depend on
        // each other's start order.
        podManagementPolicy: "Parallel",
        updateStrategy: { type: "RollingUpdate" },
        // A removed pod's volume holds data (raft state, file volumes); keep it for a scale back up.
        persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
        template: { metadata: { labels: o.metadata.labels }, spec: o.pod },
        // Immutable once created (see CockroachCluster): changing size or class replaces the StatefulSet.
        volumeClaimTemplates: [
          {
            metadata: { name: DATA_CLAIM, labels: selector },
            spec: {
              accessModes: ["ReadWriteOnce"],
              ...(o.storage.storageClass ? { storageClassName: o.storage.storageClass } : {}),
              resources: { requests: { storage: o.storage.size } },
            },
          },
        ],
      },
    },
    { parent: scope.parent, dependsOn: o.dependsOn, ...dataHolderOptions(scope.protectData) },
  );
}
