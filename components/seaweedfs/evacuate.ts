import { WEED_BINARY } from "./args.ts";

// Lowering seaweedfs.volumeServers removes the pods with the highest ordinals. Their volumes must be moved
// first: with two copies of each volume, removing a server without that leaves every volume it held with
// one copy, and a second fault from loss. So a Job that the StatefulSet waits on moves them.
//
// It needs no memory of the previous count: it asks the master which servers hold volumes and picks those
// whose pod ordinal is at or above the new count (on a scale-up or an unchanged count there are none and
// it ends at once). For each: `volumeServer.evacuate` until the master lists no volume on it, then
// `volumeServer.leave`, so it stops heartbeating and the master grows no new volume there in the moments
// before its pod goes. Last, `volume.fix.replication` gives a second copy to any volume that was grown on
// it between the last check and the leave. `weed shell` exits 0 whatever its commands did, so every step
// is judged by a fresh `volume.list`, never by the shell's status.

export interface EvacuateScriptOptions {
  /** The volume servers' StatefulSet: pods are `<statefulSet>-<ordinal>`. */
  statefulSet: string;
  /** The new count: servers with ordinals from here up are emptied. */
  keep: number;
  masters: string[];
  /** Rounds of evacuate-then-check per server before the Job gives up (it is retried by its backoff). */
  attempts: number;
  /** Seconds one `weed shell` run may take (a large volume's copy is inside one run). */
  shellTimeoutSeconds: number;
}

/**
 * awk over a `volume.list` listing, with -v sts=<StatefulSet> -v keep=<count>: prints the address of each
 * server holding volumes whose pod ordinal is keep or more, once (a server's DataNode line comes twice).
 */
export const SERVERS_AT_OR_ABOVE_AWK = [
  '$1 == "DataNode" && !seen[$2]++ {',
  '  host = $2; sub(/[.:].*/, "", host); prefix = sts "-"',
  "  if (substr(host, 1, length(prefix)) != prefix) next",
  "  ordinal = substr(host, length(prefix) + 1)",
  "  if (ordinal ~ /^[0-9]+$/ && ordinal + 0 >= keep) print $2",
  "}",
].join("\n");

export function evacuateScript(o: EvacuateScriptOptions): string {
  if (o.masters.length === 0) throw new Error("the evacuation Job needs the master list");
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(o.statefulSet)) {
    throw new Error(`${JSON.stringify(o.statefulSet)} is not a StatefulSet name`);
  }
  if (!Number.isInteger(o.keep) || o.keep < 1)
    throw new Error(`keep must be a whole number from 1, not ${o.keep}`);
  const shell = `timeout ${o.shellTimeoutSeconds} ${WEED_BINARY} shell -master=${o.masters.join(",")}`;
  return [
    "set -u",
    `sts=${o.statefulSet}`,
    `keep=${o.keep}`,
    `weed_shell() { ${shell} 2>&1; }`,
    "# The servers holding volumes whose pod ordinal is >= keep, one address per line. A listing without its",
    "# Topology line is a failed one (no master answered) and stops the Job: no answer is not an empty cluster.",
    "above() {",
    '  listing=$(echo "volume.list" | weed_shell)',
    '  if ! echo "$listing" | grep "^Topology " >/dev/null; then',
    '    echo "volume.list gave no topology: $listing" >&2',
    "    return 1",
    "  fi",
    `  echo "$listing" | awk -v sts="$sts" -v keep="$keep" '${SERVERS_AT_OR_ABOVE_AWK}'`,
    "}",
    "servers=$(above) || exit 1",
    'if [ -z "$servers" ]; then',
    '  echo "no volume server at ordinal $keep or above holds volumes: nothing to move"',
    "  exit 0",
    "fi",
    "for server in $servers; do",
    "  round=0",
    "  while :; do",
    '    echo "evacuating $server (round $((round + 1)))"',
    '    printf "lock\\nvolumeServer.evacuate -node %s -apply\\nunlock\\n" "$server" | weed_shell',
    "    left=$(above) || exit 1",
    '    echo "$left" | grep -Fx "$server" >/dev/null || break',
    "    round=$((round + 1))",
    `    if [ "$round" -ge ${o.attempts} ]; then`,
    `      echo "$server still holds volumes after ${o.attempts} rounds of volumeServer.evacuate; the StatefulSet keeps its pods" >&2`,
    "      exit 1",
    "    fi",
    "    sleep 5",
    "  done",
    '  printf "lock\\nvolumeServer.leave -node %s -apply\\nunlock\\n" "$server" | weed_shell',
    '  echo "$server holds no volumes and has left the cluster"',
    "done",
    'printf "lock\\nvolume.fix.replication -apply\\nunlock\\n" | weed_shell',
    'echo "evacuated: $(echo $servers)"',
  ].join("\n");
}
