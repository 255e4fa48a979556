import type * as k8s from "@pulumi/kubernetes";
import type { AppSettings } from "../config/types.ts";

type IngressSpec = k8s.types.input.networking.v1.IngressSpec;

/** Each configured path goes to the named Service port that serves it (uro: API and web endpoints). */
export function ingressSpec(ingress: AppSettings["ingress"], host: string, service: string): IngressSpec {
  return {
    ...(ingress.className === undefined ? {} : { ingressClassName: ingress.className }),
    rules: [
      {
        host,
        http: {
          paths: ingress.paths.map((p) => ({
            path: p.path,
            pathType: "Prefix",
            backend: { service: { name: service, port: { name: p.port } } },
          })),
        },
      },
    ],
    ...(ingress.tlsSecretName === undefined
      ? {}
      : { tls: [{ hosts: [host], secretName: ingress.tlsSecretName }] }),
  };
}

export function appUrl(ingress: AppSettings["ingress"], host: string): string {
  return `${ingress.tlsSecretName === undefined ? "http" : "https"}://${host}`;
}
