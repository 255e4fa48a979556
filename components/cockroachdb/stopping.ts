import { COCKROACH_BINARY, securityFlag } from "./paths.ts";
import { drainCommand } from "./probes.ts";

// What a node does when its pod is asked to stop (the container's preStop hook): wait until no range in
// the cluster is under-replicated, then drain.
//
// Why: a StatefulSet's rolling update stops the next pod as soon as the previous one is Ready again, and
// for CockroachDB Ready (`/health?ready=1`) means live and accepting SQL, not caught up. Its replicas
// may still be behind; a range that also has a replica on the next node to stop would then have only one
// of three up to date, and stopping a third would lose its quorum. Waiting here holds the roll, one node
// at a time, until CockroachDB reports every range fully replicated again (the check Cockroach Labs'
// upgrade procedure asks for before each node: `ranges.underreplicated` summed over
// crdb_internal.kv_store_status).
//
// Why here and not elsewhere:
// - A startup probe that fails while ranges are under-replicated would hold the roll too, but the kubelet
//   kills a container whose startup probe outlasts its budget: a cluster that stays under-replicated (a
//   node lost for good) would then restart every node that restarts, in a loop.
// - The same check in the readiness probe would take every node out of its Services at once while any
//   range is under-replicated: an outage for a condition CockroachDB serves through.
// - A Job driving an `OnDelete` roll could fail the `up` instead of waiting, but needs RBAC to delete
//   pods and a Kubernetes client in an image we have.
// The wait is bounded, so a cluster that stays under-replicated only slows a stop down; it never blocks
// one. It applies to pod deletions of every kind (a roll, an eviction, `kubectl delete pod`): each would
// take a second replica of an under-replicated range away.

/**
 * No query starts after this many seconds (bash's $SECONDS, wall-clock), however long each took; one
 * started just before then may still run for up to QUERY_BOUND_SECONDS.
 */
export const REPLICATION_WAIT_SECONDS = 150;
export const REPLICATION_WAIT_INTERVAL_SECONDS = 5;
/** statement_timeout 10 s, and the connection to localhost. */
export const QUERY_BOUND_SECONDS = 15;
/** The drain's own bound (probes.ts, 240 s). */
const DRAIN_SECONDS = 240;
/** The whole preStop, wait then drain, ends before the kubelet's SIGKILL. */
export const TERMINATION_GRACE_SECONDS = REPLICATION_WAIT_SECONDS + QUERY_BOUND_SECONDS + DRAIN_SECONDS + 15;

/** Ranges with fewer live replicas than configured, summed over every store in the cluster. */
export const UNDER_REPLICATED_QUERY =
  "SELECT COALESCE(sum((metrics->>'ranges.underreplicated')::DECIMAL)::INT, 0) FROM crdb_internal.kv_store_status";

/**
 * The preStop command. Below 3 nodes there is no third replica to wait for (a single node's ranges count
 * as under-replicated for good), so it is the drain alone; the node count itself is not in the command, so
 * scaling between counts of 3 or more does not roll the nodes.
 */
export function stopCommand(tls: boolean, nodes: number): string[] {
  const drain = drainCommand(tls);
  if (nodes < 3) return drain;
  const [, ...drainArgs] = drain;
  const sql = `"$cockroach" sql ${securityFlag(tls)} --host=localhost --format=csv`;
  return [
    // bash (the image has it; the backup Jobs use it too) for $SECONDS, a clock that needs no date(1).
    "/bin/bash",
    "-c",
    [
      `cockroach='${COCKROACH_BINARY}'`,
      "nl='\n'",
      `limit=${REPLICATION_WAIT_SECONDS}`,
      'while [ "$SECONDS" -lt "$limit" ]; do',
      // statement_timeout: a cluster too sick to answer in 10 s counts as not yet replicated.
      `  out=$(${sql} -e "SET statement_timeout = '10s'" -e "${UNDER_REPLICATED_QUERY}" 2>/dev/null)`,
      // The last line of the output is the count (shell only: the image's tools are not ours to assume).
      '  [ "${out##*"$nl"}" = 0 ] && break',
      `  sleep ${REPLICATION_WAIT_INTERVAL_SECONDS}`,
      "done",
      'exec "$cockroach" "$@"',
    ].join("\n"),
    // $0, then the drain's arguments as "$@".
    "drain",
    ...drainArgs,
  ];
}
