// Helpers for the local-cluster smoke test: kubectl against the cluster tools/cluster/cluster.sh started, pod
// specs that pass the "restricted" Pod Security level, and waits that are bounded in attempts and time.
//
// The API is reached through kubectl rather than @kubernetes/client-node: client-node 2.0.1 bundles undici 8,
// which needs Node >= 22.19 and throws on import under this machine's Node 20 (zlib.createZstdDecompress and
// webidl markAsUncloneable are missing). Only its types are used here.
import { execFileSync } from "node:child_process";
import type * as k8s from "@kubernetes/client-node";

export interface Cluster {
  /** The busybox image cluster.sh built and loaded into containerd (never pulled). */
  busyboxImage: string;
  /** Runs kubectl with the cluster's kubeconfig; returns stdout, throws with stderr on failure. */
  kubectl: (args: string[], input?: string) => string;
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
  const kubectl = (args: string[], input?: string): string => {
    try {
      return execFileSync("kubectl", ["--kubeconfig", kubeconfig, "--request-timeout=30s", ...args], {
        input,
        encoding: "utf8",
        timeout: 60_000,
        stdio: ["pipe", "pipe", "pipe"],
      });
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr ?? "";
      throw new Error(`kubectl ${args.join(" ")} failed: ${stderr.trim() || String(error)}`);
    }
  };
  return { busyboxImage, kubectl };
}

/** Creates an object in a namespace and returns it as the API server stored it. */
export function create<T extends k8s.KubernetesObject>(cluster: Cluster, namespace: string, object: T): T {
  return JSON.parse(
    cluster.kubectl(["-n", namespace, "create", "-o", "json", "-f", "-"], JSON.stringify(object)),
  ) as T;
}

export function read<T>(cluster: Cluster, namespace: string, kind: string, name: string): T {
  return JSON.parse(cluster.kubectl(["-n", namespace, "get", kind, name, "-o", "json"])) as T;
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
    apiVersion: "v1",
    kind: "Pod",
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
      const pod = read<k8s.V1Pod>(cluster, namespace, "pod", name);
      const current = pod.status?.phase;
      return current === "Succeeded" || current === "Failed" ? current : undefined;
    },
    { attempts, intervalMs: 1000 },
  );
  const log = cluster.kubectl(["-n", namespace, "logs", name]);
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
      const pod = read<k8s.V1Pod>(cluster, namespace, "pod", name);
      const ready = pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
      return pod.status?.phase === "Running" && ready ? pod : undefined;
    },
    { attempts: 120, intervalMs: 1000 },
  );
}
