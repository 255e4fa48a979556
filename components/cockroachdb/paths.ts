// Where things live inside the CockroachDB containers. Every path the process writes is a volume, so the
// root filesystem stays read-only and the official image (which expects root) runs as uid 1000.

export const DATA_DIR = "/cockroach/cockroach-data";
/** Certificates with the 0400 modes CockroachDB insists on, copied from the Secret volume at start. */
export const CERTS_DIR = "/cockroach/cockroach-certs";
/** The Secret volume itself: kubelet makes its files group-readable under fsGroup, which CockroachDB refuses. */
export const CERTS_SOURCE_DIR = "/cockroach/certs-secret";
export const TMP_DIR = "/tmp";
export const COCKROACH_BINARY = "/cockroach/cockroach";
export const UID = 1000;

/** The flag every cockroach client and server command needs to find (or not use) certificates. */
export function securityFlag(tls: boolean): string {
  return tls ? `--certs-dir=${CERTS_DIR}` : "--insecure";
}
