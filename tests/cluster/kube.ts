// Helpers for the local-cluster smoke test: a client for the cluster tools/cluster/cluster.sh started, pod
// specs that pass the "restricted" Pod Security level, and waits that are bounded in attempts and time.
import * as k8s from "@kubernetes/client-node";

export interface Cluster {
  core: k8s.CoreV1Api;
  networking: k8s.NetworkingV1Api;
  /** The busybox image cluster.sh built and loaded into containerd (never pulled). */
  busyboxImage: string;
}

export function connect(): Cluster {
  const kubeconfig = process.env["KUBECONFIG"];
  const busyboxImage = process.env["VSEKAI_CLUSTER_BUSYBOX_IMAGE"];
  if (!kubeconfig || !busyboxImage) {
    throw new Error(
      "KUBECONFIG and VSEKAI_CLUSTER_BUSYBOX_IMAGE must point at the local cluster: run " +
        '`sudo tools/cluster/cluster.sh start` and then `eval "$(sudo tools/cluster/cluster.sh env)"`.',
    );
  }
  const config = new k8s.KubeConfig();
  config.loadFromFile(kubeconfig);
  return {
    core: config.makeApiClient(k8s.CoreV1Api),
    networking: config.makeApiClient(k8s.NetworkingV1Api),
    busyboxImage,
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Calls `probe` until it returns a value (not undefined), at most `attempts` times `intervalMs` apart.
 * Throws with `what` and the last observation when it never does.
 */
export async function poll<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  { attempts, intervalMs }: { attempts: number; intervalMs: number },
): Promise<T> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (attempt < attempts) await sleep(intervalMs);
  }
  const detail = lastError instanceof Error ? `: ${lastError.message}` : "";
  throw new Error(`${what} did not happen after ${attempts} attempts ${intervalMs}ms apart${detail}`);
}

/** Security settings the "restricted" Pod Security level demands; the test namespace enforces it. */
export const restrictedPod: k8s.V1PodSecurityContext = {
  runAsNonRoot: true,
  runAsUser: 65534,
  runAsGroup: 65534,
  fsGroup: 65534,
  seccompProfile: { type: "RuntimeDefault" },
};
export const restrictedContainer: k8s.V1SecurityContext = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ["ALL"] },
};

/** A pod running one busybox shell script. */
export function shellPod(
  cluster: Cluster,
  name: string,
  script: string,
  options: {
    labels?: Record<string, string>;
    restartPolicy?: "Never" | "Always";
    volumes?: k8s.V1Volume[];
    mounts?: k8s.V1VolumeMount[];
  } = {},
): k8s.V1Pod {
  return {
    metadata: { name, labels: { ...options.labels, "smoke.vsekai.dev/pod": name } },
    spec: {
      restartPolicy: options.restartPolicy ?? "Never",
      terminationGracePeriodSeconds: 1,
      securityContext: restrictedPod,
      ...(options.volumes ? { volumes: options.volumes } : {}),
      containers: [
        {
          name: "main",
          image: cluster.busyboxImage,
          imagePullPolicy: "Never",
          command: ["/bin/sh", "-c", script],
          securityContext: restrictedContainer,
          ...(options.mounts ? { volumeMounts: options.mounts } : {}),
        },
      ],
    },
  };
}

/** Waits until the pod ran to completion; returns whether it succeeded and what it printed. */
export async function podOutcome(
  cluster: Cluster,
  namespace: string,
  name: string,
  attempts = 120,
): Promise<{ succeeded: boolean; log: string }> {
  const phase = await poll(
    `pod ${namespace}/${name} finishing`,
    async () => {
      const pod = await cluster.core.readNamespacedPod({ name, namespace });
      const current = pod.status?.phase;
      return current === "Succeeded" || current === "Failed" ? current : undefined;
    },
    { attempts, intervalMs: 1000 },
  );
  const log = await cluster.core.readNamespacedPodLog({ name, namespace });
  return { succeeded: phase === "Succeeded", log };
}

export async function waitForPodRunning(
  cluster: Cluster,
  namespace: string,
  name: string,
): Promise<k8s.V1Pod> {
  return poll(
    `pod ${namespace}/${name} running and ready`,
    async () => {
      const pod = await cluster.core.readNamespacedPod({ name, namespace });
      const ready = pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
      return pod.status?.phase === "Running" && ready ? pod : undefined;
    },
    { attempts: 120, intervalMs: 1000 },
  );
}
