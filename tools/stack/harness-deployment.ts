import type * as k8s from "@kubernetes/client-node";
import { restrictedContainerSecurity, restrictedPodSecurity } from "../../components/shared/security.ts";

// The shape every controller the harness runs beside a stack shares (Traefik, the Prometheus Operator): one
// container, its own service account's token (it works through the API server), and the same restricted
// contexts the stack's own pods get (plain values, typed for Pulumi inputs).

/** An HTTP probe on a named port, with the timeouts every harness controller uses. */
export function httpProbe(path: string, port: string, periodSeconds: number): k8s.V1Probe {
  return { httpGet: { path, port }, periodSeconds, timeoutSeconds: 2, failureThreshold: 3 };
}

export interface HarnessDeployment {
  metadata: k8s.V1ObjectMeta & { name: string };
  /** Selector and pod labels. */
  labels: Record<string, string>;
  replicas: number;
  uid: number;
  /** The container, without the security context and pull policy this adds. */
  container: k8s.V1Container;
  volumes?: k8s.V1Volume[];
}

export function harnessDeployment(d: HarnessDeployment): k8s.V1Deployment {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: d.metadata,
    spec: {
      replicas: d.replicas,
      selector: { matchLabels: d.labels },
      template: {
        metadata: { labels: d.labels },
        spec: {
          serviceAccountName: d.metadata.name,
          automountServiceAccountToken: true,
          securityContext: restrictedPodSecurity(d.uid) as k8s.V1PodSecurityContext,
          containers: [
            {
              imagePullPolicy: "IfNotPresent",
              ...d.container,
              securityContext: restrictedContainerSecurity() as k8s.V1SecurityContext,
            },
          ],
          ...(d.volumes === undefined ? {} : { volumes: d.volumes }),
        },
      },
    },
  };
}
