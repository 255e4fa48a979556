import type { MemoryFlags } from "./memory.ts";
import { DATA_DIR, securityFlag } from "./paths.ts";
import { HTTP_PORT, SQL_PORT } from "./topology.ts";

/** The env var the pod's own name arrives in (downward API); Kubernetes expands `$(POD_NAME)` in args. */
export const POD_NAME_ENV = "POD_NAME";

export interface StartOptions {
  join: string[];
  /** The discovery Service's FQDN; a pod's own name is prefixed to it. */
  discoveryFqdn: string;
  tls: boolean;
  memory: MemoryFlags;
  locality?: string;
}

/**
 * The node's command line. Always `cockroach start` with a join list, even for one node: the cluster is
 * then initialised the same way at every size (by the init Job), and a one-node dev cluster can grow
 * to three without switching start modes. `start-single-node` would initialise itself and set every
 * replication factor to 1, which a later scale-up would have to undo by hand.
 *
 * The advertised address is the pod's FQDN under the discovery Service. It is built by Kubernetes'
 * own `$(VAR)` expansion from the downward-API pod name (a StatefulSet pod's hostname is its name), so
 * the container needs no shell wrapper and the args stay exactly what the spec shows.
 */
export function startArgs(o: StartOptions): string[] {
  if (o.join.length === 0) throw new Error("a CockroachDB node needs at least one join address");
  return [
    "start",
    `--join=${o.join.join(",")}`,
    // `--advertise-addr` is the current spelling of the deprecated `--advertise-host`.
    `--advertise-addr=$(${POD_NAME_ENV}).${o.discoveryFqdn}:${SQL_PORT}`,
    `--listen-addr=:${SQL_PORT}`,
    `--http-addr=:${HTTP_PORT}`,
    securityFlag(o.tls),
    `--cache=${o.memory.cacheMiB}MiB`,
    `--max-sql-memory=${o.memory.maxSqlMemoryMiB}MiB`,
    `--store=path=${DATA_DIR}`,
    // All channels to stderr for `kubectl logs`; the files CockroachDB also writes stay in the store,
    // where `cockroach debug zip` finds them.
    "--log=sinks: {stderr: {filter: INFO}}",
    ...(o.locality ? [`--locality=${o.locality}`] : []),
  ];
}
