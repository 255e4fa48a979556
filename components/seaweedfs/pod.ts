import type * as k8s from "@pulumi/kubernetes";
import { POD_IP_ENV, POD_NAME_ENV } from "./args.ts";
import { GRPC_PORT_NAME, HTTP_PORT_NAME, METRICS_PORT_NAME } from "./probes.ts";
import { METRICS_PORT } from "./topology.ts";

type EnvVar = k8s.types.input.core.v1.EnvVar;
type ContainerPort = k8s.types.input.core.v1.ContainerPort;
type Volume = k8s.types.input.core.v1.Volume;
type VolumeMount = k8s.types.input.core.v1.VolumeMount;

// Pod pieces the SeaweedFS workloads share. The official image runs as root by default; everything here
// runs as an unprivileged uid instead, with the PVCs made writable by fsGroup and the root filesystem
// read-only, so the only writable places are the data volume and an emptyDir at /tmp.

export const UID = 1000;
export const TMP_DIR = "/tmp";

export const POD_NAME: EnvVar = {
  name: POD_NAME_ENV,
  valueFrom: { fieldRef: { fieldPath: "metadata.name" } },
};
export const POD_IP: EnvVar = { name: POD_IP_ENV, valueFrom: { fieldRef: { fieldPath: "status.podIP" } } };
/** `weed shell` and the Go runtime want a writable HOME; the image's is not. */
export const HOME: EnvVar = { name: "HOME", value: TMP_DIR };

export const TMP_VOLUME: Volume = { name: "tmp", emptyDir: { sizeLimit: "256Mi" } };
export const TMP_MOUNT: VolumeMount = { name: "tmp", mountPath: TMP_DIR };

/** HTTP, its gRPC twin when the server has one, and metrics. */
export function serverPorts(http: number, grpc?: number): ContainerPort[] {
  return [
    { name: HTTP_PORT_NAME, containerPort: http, protocol: "TCP" },
    ...(grpc === undefined ? [] : [{ name: GRPC_PORT_NAME, containerPort: grpc, protocol: "TCP" }]),
    { name: METRICS_PORT_NAME, containerPort: METRICS_PORT, protocol: "TCP" },
  ];
}

/** The same ports as a Service exposes them, by name. */
export function servicePorts(http: number, grpc?: number): k8s.types.input.core.v1.ServicePort[] {
  return [
    { name: HTTP_PORT_NAME, port: http, targetPort: HTTP_PORT_NAME, protocol: "TCP" },
    ...(grpc === undefined
      ? []
      : [{ name: GRPC_PORT_NAME, port: grpc, targetPort: GRPC_PORT_NAME, protocol: "TCP" }]),
  ];
}
