import type * as k8s from "@pulumi/kubernetes";
import type { AppPort } from "../config/types.ts";

export { DIST_PORT, DIST_PORT_NAME, EPMD_PORT, EPMD_PORT_NAME } from "../config/app-ports.ts";
import { DIST_PORT, DIST_PORT_NAME, EPMD_PORT, EPMD_PORT_NAME } from "../config/app-ports.ts";

type ContainerPort = k8s.types.input.core.v1.ContainerPort;
type ServicePort = k8s.types.input.core.v1.ServicePort;

export function containerPorts(ports: AppPort[], distribution: boolean): ContainerPort[] {
  const http = ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: "TCP" }));
  return distribution ? [...http, ...distributionContainerPorts()] : http;
}

function distributionContainerPorts(): ContainerPort[] {
  return [
    { name: EPMD_PORT_NAME, containerPort: EPMD_PORT, protocol: "TCP" },
    { name: DIST_PORT_NAME, containerPort: DIST_PORT, protocol: "TCP" },
  ];
}

/** The client Service: the HTTP endpoints only, each by name so Ingress paths can route to them. */
export function servicePorts(ports: AppPort[]): ServicePort[] {
  return ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.name, protocol: "TCP" }));
}

export function peerServicePorts(): ServicePort[] {
  return distributionContainerPorts().map((p) => ({
    name: p.name,
    port: p.containerPort,
    targetPort: p.name,
    protocol: "TCP",
  }));
}

/** Ports other pods open to the app: the HTTP ones, plus epmd and distribution between the app's pods. */
export function distributionPorts(distribution: boolean): number[] {
  return distribution ? [EPMD_PORT, DIST_PORT] : [];
}

export function portNumber(ports: AppPort[], name: string): number | undefined {
  return ports.find((p) => p.name === name)?.port;
}
