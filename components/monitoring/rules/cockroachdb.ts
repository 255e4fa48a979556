import {
  targetSelector,
  type CockroachMonitoring,
  type MonitoredStack,
  type ScrapeTarget,
} from "../targets.ts";
import { alertsFor, answering, podsCommand, type AlertDraft, type AlertRule } from "./rule.ts";

// CockroachDB's own metrics from /_status/vars (names as Prometheus sees them: dots become underscores).
// Thresholds follow Cockroach Labs' published alert rules where they exist.

/** CockroachDB's default --max-offset; a node shuts itself down at 80% of it from the cluster. */
export const MAX_CLOCK_OFFSET_MS = 500;
/** Alert at 60% of the maximum, before a node is at risk of stopping. */
export const CLOCK_OFFSET_ALERT_MS = (MAX_CLOCK_OFFSET_MS * 3) / 5;
export const STORE_FREE_FRACTION = 0.15;
const DAY_SECONDS = 86_400;

export function cockroachRules(
  stack: MonitoredStack,
  target: ScrapeTarget,
  db: CockroachMonitoring,
): AlertRule[] {
  const sel = (extra = "") => targetSelector(stack, target, extra);
  const pods = podsCommand(stack, target);
  const n = db.nodes;
  const drafts: AlertDraft[] = [
    {
      alert: "CockroachNodeDown",
      expr: `${answering(sel())} < ${n}`,
      for: "5m",
      severity: "critical",
      summary: `only {{ $value }} of ${n} CockroachDB node(s) in ${stack.namespace} answer`,
      runbook:
        `${pods}, then kubectl describe and logs --previous of the missing one; bring it back on its own ` +
        `PVC (never delete it): with 3 or more nodes, ranges of a node away longer than ` +
        `server.time_until_store_dead (5m) are re-replicated elsewhere`,
    },
    {
      alert: "CockroachRangesUnavailable",
      expr: `sum(ranges_unavailable${sel()}) > 0`,
      for: "5m",
      severity: "critical",
      summary: `{{ $value }} CockroachDB range(s) in ${stack.namespace} lost the majority of their replicas: queries on them hang`,
      runbook:
        `bring the down nodes back first (CockroachNodeDown, ${pods}); the DB Console's Replication page ` +
        `lists the ranges; do not decommission nodes while ranges are unavailable`,
    },
    {
      alert: "CockroachStoreDiskLow",
      expr: `capacity_available${sel()} / capacity${sel()} < ${STORE_FREE_FRACTION}`,
      for: "10m",
      severity: "critical",
      summary: `store {{ $labels.store }} on {{ $labels.instance }} has {{ $value | humanizePercentage }} of its disk left`,
      runbook:
        `add nodes (cockroach.nodes), or grow the disks: expand each node's PVC (if its StorageClass allows ` +
        `it), delete the StatefulSet with --cascade=orphan, raise cockroach.storage.size and pulumi up`,
    },
    {
      alert: "CockroachVersionMismatch",
      expr: `count(count by (tag) (build_timestamp${sel()})) > 1`,
      for: "1h",
      severity: "warning",
      summary: `{{ $value }} CockroachDB versions run at once in ${stack.namespace}`,
      runbook:
        `a rolling upgrade is stuck half-way: kubectl -n ${stack.namespace} rollout status ` +
        `statefulset/${db.statefulSet}; finish it, or set cockroach.image back and run pulumi up`,
    },
    {
      alert: "CockroachClockOffsetNearMax",
      expr: `abs(clock_offset_meannanos${sel()}) / 1000000 > ${CLOCK_OFFSET_ALERT_MS}`,
      for: "5m",
      severity: "critical",
      summary: `the clock of {{ $labels.instance }} is {{ $value }}ms off the cluster's; a node stops itself at 80% of the ${MAX_CLOCK_OFFSET_MS}ms maximum`,
      runbook:
        `fix time synchronisation (chrony/NTP) on the Kubernetes node running that pod ` +
        `(${pods} -o wide shows which); restarting the pod does not help`,
    },
  ];
  if (n >= 3) {
    // One node cannot hold three replicas: a single-node cluster reports every range under-replicated.
    drafts.splice(2, 0, {
      alert: "CockroachRangesUnderReplicated",
      expr: `sum(ranges_underreplicated${sel()}) > 0`,
      for: "15m",
      severity: "warning",
      summary: `{{ $value }} CockroachDB range(s) in ${stack.namespace} have fewer replicas than configured`,
      runbook:
        `a node is down or its store full (see CockroachNodeDown, CockroachStoreDiskLow); a node gone for ` +
        `good must be decommissioned (cockroach node decommission) so its replicas move`,
    });
  }
  if (db.tls) {
    const window = db.tls.renewBeforeDays;
    const expiring = (metric: string, what: string, after: string): AlertDraft => ({
      alert: `Cockroach${what}CertificateExpiring`,
      expr: `(${metric}${sel()} > 0) - time() < ${window * DAY_SECONDS}`,
      for: "1h",
      severity: "warning",
      summary: `the ${what === "CA" ? "CA" : "node"} certificate of {{ $labels.instance }} expires in {{ $value | humanizeDuration }}, inside the ${window}-day renewal window`,
      runbook:
        `run pulumi up for this stack: inside cockroach.certRenewBeforeDays (${window}) it issues new ` +
        `certificates and ${after}`,
    });
    drafts.push(
      expiring("security_certificate_expiration_node", "Node", "rolls the nodes one at a time"),
      expiring("security_certificate_expiration_ca", "CA", "a new CA; the nodes roll one at a time"),
    );
  }
  if (db.backup) {
    const maxAge = db.backup.maxAgeSeconds;
    drafts.push({
      alert: "CockroachBackupStale",
      // The schedule keeps this gauge current (updates_cluster_last_backup_time_metric); 0 means never.
      expr: `time() - max(schedules_BACKUP_last_completed_time${sel()}) > ${maxAge}`,
      for: "10m",
      severity: "critical",
      summary: `no scheduled CockroachDB backup in ${stack.namespace} has completed in the last ${humanSeconds(maxAge)} (the incremental schedule's longest gap plus an hour)`,
      runbook:
        `SHOW SCHEDULES and SHOW JOBS (job_type = 'BACKUP') in cockroach sql name the failing run: the ` +
        `target's address or keys (the credentials Secret), the NetworkPolicy from the nodes to it; ` +
        `kubectl -n ${stack.namespace} logs job/${db.statefulSet}-backup-schedule shows whether the schedule ` +
        `was made; right after a first start it is the first full backup still running`,
    });
  }
  return alertsFor(stack, "cockroachdb", drafts);
}

function humanSeconds(seconds: number): string {
  return seconds % 3600 === 0 ? `${seconds / 3600}h` : `${Math.round(seconds / 60)}m`;
}
