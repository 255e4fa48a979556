import * as k8s from "@pulumi/kubernetes";
import type { Resources } from "../config/types.ts";
import type { Peer } from "../shared/endpoints.ts";
import { selectorLabels, workloadLabels, type Workload } from "../shared/labels.ts";
import { HOME_ENV, clientJobContainer, clientJobPod, type ClientJobArgs } from "./pod.ts";
import { REFUSED_EXIT_CODE } from "./scaling.ts";

// The shape every Job that runs cockroach as a client against the cluster shares (decommission, upgrade
// check, backup schedule, restore): a refusal (exit 3) fails it at once instead of being retried, it is
// kept a while for its log, and its fixed name with an immutable template means a changed script
// replaces it, so it runs again.

const JOB_RESOURCES: Resources = { cpu: "100m", memory: "256Mi", cpuLimit: "500m" };

export interface ClientJob {
  job: k8s.batch.v1.Job;
  /** Its pods, for the flows to the nodes. */
  peer: Peer;
}

export interface ClientJobSpec {
  /** Logical name suffix and container name, e.g. "decommission". */
  role: string;
  objectName: string;
  /** The label component its pods carry, apart from the nodes'. */
  component: string;
  command: string[];
  /** Besides HOME. */
  env?: k8s.types.input.core.v1.EnvVar[];
  deadlineSeconds: number;
  ttlSeconds: number;
  /** How long pulumi up waits for it, e.g. "3h". */
  timeout: string;
}

export function declareClientJob(o: ClientJobArgs, spec: ClientJobSpec): ClientJob {
  const s = o.settings;
  const workload: Workload = {
    name: "cockroachdb",
    component: spec.component,
    instance: o.placement.instance,
  };
  const labels = workloadLabels(workload, o.version);
  const job = new k8s.batch.v1.Job(
    `${o.name}-${spec.role}`,
    {
      metadata: { name: spec.objectName, namespace: o.placement.namespace, labels },
      spec: {
        backoffLimit: 2,
        activeDeadlineSeconds: spec.deadlineSeconds,
        podFailurePolicy: {
          rules: [{ action: "FailJob", onExitCodes: { operator: "In", values: [REFUSED_EXIT_CODE] } }],
        },
        ttlSecondsAfterFinished: spec.ttlSeconds,
        template: {
          metadata: { labels },
          spec: {
            ...clientJobPod(s.tls, s.image, o.placement.imagePullPolicy, o.certFiles),
            containers: [
              clientJobContainer({
                name: spec.role,
                image: s.image,
                pullPolicy: o.placement.imagePullPolicy,
                tls: s.tls,
                command: spec.command,
                env: [HOME_ENV, ...(spec.env ?? [])],
                resources: JOB_RESOURCES,
              }),
            ],
          },
        },
      },
    },
    {
      parent: o.parent,
      dependsOn: o.dependsOn,
      deleteBeforeReplace: true,
      customTimeouts: { create: spec.timeout, update: spec.timeout },
    },
  );
  return { job, peer: { name: `cockroachdb-${spec.component}`, selector: selectorLabels(workload) } };
}
