import { SQL_PORT } from "./topology.ts";

// Scaling down. A StatefulSet removes its highest-ordinal pods at once, without asking CockroachDB. Every
// range with a replica on a removed node is then under-replicated, and a range with a majority of its
// replicas on removed nodes (two of three when two nodes go at once) is unavailable until they return.
// So the StatefulSet waits on a Job (component.ts) that first decommissions, with `cockroach node
// decommission`, every node whose pod the new count removes: CockroachDB moves their replicas away and
// reports them decommissioned, and only then does the StatefulSet shrink. The Job works out from the
// cluster itself which nodes those are (the pod name in each node's advertised address), so it needs no
// record of the previous count, and it is re-run whenever `cockroach.nodes` changes (the count is in its
// script). It refuses, before anything changes, a count that would leave fewer than 3 live nodes of 3 or
// more: decommissioning cannot finish then (no room for three replicas of each range).

/** Exit code of a refusal, which the Job's podFailurePolicy turns into an immediate failure (no retry). */
export const REFUSED_EXIT_CODE = 3;

/** Why going down to `requested` nodes is refused while `running` live nodes are members, by the setting. */
export function scaleDownRefusal(
  requested: number,
  running: number | string,
  remaining: number | string,
): string {
  return `vsekai-infra:cockroach.nodes: ${requested} is not allowed while ${running} nodes run: only ${remaining} would remain, and below 3 nodes the cluster cannot keep three replicas of each range, so decommissioning would never finish; keep 3 or more, or build a new cluster and restore a backup instead`;
}

export interface DecommissionOptions {
  /** The node count being deployed: nodes of pods with this ordinal or higher are decommissioned. */
  requested: number;
  /** The StatefulSet's name, which starts every pod's name (`<name>-<ordinal>`). */
  statefulSet: string;
  /** The discovery Service's FQDN: pods are `<pod>.<it>`, and the name itself reaches any pod. */
  discoveryFqdn: string;
  /** `--certs-dir=…` or `--insecure` (securityFlag). */
  securityFlag: string;
  cockroach: string;
  /** How many times to ask the cluster for its nodes, five seconds apart. */
  attempts: number;
}

/** Every node with its advertised address and membership (active, decommissioning, decommissioned). */
export const NODES_QUERY =
  "SELECT node_id, address, membership FROM crdb_internal.gossip_liveness " +
  "LEFT JOIN crdb_internal.gossip_nodes USING (node_id) ORDER BY node_id";

/**
 * The decommission Job's shell script (POSIX sh).
 *
 * 1. Is there a pod the new count removes? Pods are resolvable by name whether ready or not (the discovery
 *    Service publishes not-ready addresses), so "no such host" for `<statefulSet>-<requested>` and the two
 *    after it means none: a first deployment, a scale-up or an unchanged count, done at once. Only names
 *    of pods that this change does not create are looked up, so no new pod's name is cached as missing.
 *    A lookup that fails otherwise (the DNS not reachable yet) is retried; any answer from a pod, or a
 *    failure to connect to one, means it exists.
 * 2. Otherwise ask any node for every node's address and membership; a cluster that does not answer
 *    fails the Job, and the StatefulSet keeps its pods.
 * 3. Nodes whose pod ordinal is `requested` or higher and that are not decommissioned yet are
 *    decommissioned, waiting until CockroachDB has moved their replicas; the rest are counted, and a
 *    change that would leave fewer than 3 of 3 or more active members is refused (exit 3).
 */
export function decommissionJobScript(o: DecommissionOptions): string {
  if (!Number.isInteger(o.requested) || o.requested < 1) {
    throw new Error(`cockroach.nodes: ${o.requested} is not a node count`);
  }
  const sql = (host: string, rest: string) =>
    `"$cockroach" sql ${o.securityFlag} --host=${host}:${SQL_PORT} ${rest}`;
  const refusal = scaleDownRefusal(o.requested, "$total", "$kept");
  return [
    "set -u",
    `cockroach='${o.cockroach}'`,
    `requested=${o.requested}`,
    `statefulset='${o.statefulSet}'`,
    `discovery='${o.discoveryFqdn}'`,
    "above=''",
    `for ordinal in ${o.requested} ${o.requested + 1} ${o.requested + 2}; do`,
    "  tries=0",
    "  while :; do",
    `    if out=$(${sql(`"$statefulset-$ordinal.$discovery"`, '--execute="SELECT 1"')} 2>&1); then`,
    '      above="$above $ordinal"; break',
    "    fi",
    '    case "$out" in',
    '      *"no such host"*) break ;;',
    // Any other failed lookup is the DNS itself (not reachable yet, e.g. before the allow-dns policy).
    '      *"lookup "*) ;;',
    '      *) above="$above $ordinal"; break ;;',
    "    esac",
    "    tries=$((tries + 1))",
    `    if [ "$tries" -ge ${o.attempts} ]; then`,
    '      echo "the cluster DNS did not answer for $statefulset-$ordinal: $out" >&2',
    "      exit 1",
    "    fi",
    "    sleep 5",
    "  done",
    "done",
    'if [ -z "$above" ]; then',
    '  echo "no pod has an ordinal of $requested or more: nothing to decommission"',
    "  exit 0",
    "fi",
    'echo "pods with ordinals$above exist: asking the cluster which nodes they run"',
    "attempt=0",
    `until nodes=$(${sql('"$discovery"', `--format=tsv --execute="${NODES_QUERY}"`)} 2>&1); do`,
    "  attempt=$((attempt + 1))",
    `  if [ "$attempt" -ge ${o.attempts} ]; then`,
    '    echo "the cluster did not answer, so the nodes of pods $requested and above cannot be decommissioned; the StatefulSet keeps them: $nodes" >&2',
    "    exit 1",
    "  fi",
    "  sleep 5",
    "done",
    "tab=$(printf '\\t')",
    "ids=''; total=0; kept=0",
    'while IFS="$tab" read -r id address membership; do',
    '  case "$id" in ""|*[!0-9]*) continue ;; esac',
    '  [ "$membership" = active ] && total=$((total + 1))',
    "  pod=${address%%.*}",
    '  case "$pod" in "$statefulset"-*) ordinal=${pod#"$statefulset"-} ;; *) continue ;; esac',
    '  case "$ordinal" in ""|*[!0-9]*) continue ;; esac',
    '  if [ "$ordinal" -lt "$requested" ]; then',
    '    [ "$membership" = active ] && kept=$((kept + 1))',
    '  elif [ "$membership" != decommissioned ]; then',
    '    ids="$ids $id"; echo "node $id (pod $pod, $membership) is above the new count"',
    "  fi",
    "done <<NODES",
    "$nodes",
    "NODES",
    'if [ -z "$ids" ]; then echo "no node above the new count is left to decommission"; exit 0; fi',
    'if [ "$total" -ge 3 ] && [ "$kept" -lt 3 ]; then',
    `  echo "${refusal}" >&2`,
    `  exit ${REFUSED_EXIT_CODE}`,
    "fi",
    // $ids unquoted: one argument per node.
    `"$cockroach" node decommission $ids ${o.securityFlag} --host="$discovery":${SQL_PORT} || exit 1`,
    'echo "decommissioned nodes$ids"',
  ].join("\n");
}
