import { CERTS_DIR, CERTS_SOURCE_DIR } from "./paths.ts";
import type { ClusterAddress } from "./topology.ts";

// CockroachDB's certificate layout: it finds files in --certs-dir by these exact names.
export const CA_CERT = "ca.crt";
export const NODE_CERT = "node.crt";
export const NODE_KEY = "node.key";
export const ROOT_CERT = "client.root.crt";
export const ROOT_KEY = "client.root.key";

/**
 * Every name a node may be reached by: each pod under the discovery Service (wildcards, so scaling never
 * needs a new certificate), the public Service in each form a client may write it, and localhost for the
 * node's own drain on preStop.
 */
export function nodeDnsNames(a: ClusterAddress): string[] {
  const names: string[] = ["localhost"];
  for (const service of [a.names.publicService, a.names.discoveryService]) {
    names.push(
      service,
      `${service}.${a.namespace}`,
      `${service}.${a.namespace}.svc`,
      `${service}.${a.namespace}.svc.${a.clusterDomain}`,
    );
  }
  const discovery = a.names.discoveryService;
  names.push(
    `*.${discovery}`,
    `*.${discovery}.${a.namespace}`,
    `*.${discovery}.${a.namespace}.svc`,
    `*.${discovery}.${a.namespace}.svc.${a.clusterDomain}`,
  );
  return [...new Set(names)];
}

export const NODE_IP_ADDRESSES = ["127.0.0.1", "::1"];

/**
 * Copies certificates out of the Secret volume with owner-only modes. CockroachDB refuses a key readable
 * by group or others, and kubelet makes Secret files group-readable whenever the pod has an fsGroup
 * (which the data volume needs). The copy runs as the same uid as the server, so the server owns it.
 * The other option, COCKROACH_SKIP_KEY_PERMISSION_CHECK, would switch the safety check off instead.
 */
export function copyCertsScript(files: string[]): string {
  const copies = files.map((f) => `cp -f ${CERTS_SOURCE_DIR}/${f} ${CERTS_DIR}/${f}`);
  return ["set -eu", ...copies, `chmod 0400 ${files.map((f) => `${CERTS_DIR}/${f}`).join(" ")}`].join("\n");
}
