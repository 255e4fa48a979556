import { targetSelector, type MonitoredStack, type ScrapeTarget } from "../targets.ts";
import {
  alertsFor,
  answering,
  errorRatio,
  podsCommand,
  type AlertDraft,
  type AlertRule,
  type Severity,
} from "./rule.ts";

// SeaweedFS' metrics (weed/stats/metrics.go, namespace "SeaweedFS"). The master's is_leader gauge is set
// every 5 s on the master that volume servers and filers keep a connection to, which in this stack is
// always the leader; writable-volume counts are published by the leader only, every few minutes.

export const VOLUME_DISK_FREE_FRACTION = 0.1;
export const ERROR_RATIO = 0.05;
/** The backup agent sends a canary every 30 s; this long without one back is a backup that is behind. */
export const BACKUP_STALE_SECONDS = 900;

export interface SeaweedfsTargets {
  master: ScrapeTarget;
  volume: ScrapeTarget;
  filer: ScrapeTarget;
  s3: ScrapeTarget;
  backup?: ScrapeTarget;
}

/** A lone server is an outage when it goes; one of several is lost redundancy. */
function downSeverity(expected: number): Severity {
  return expected === 1 ? "critical" : "warning";
}

export function seaweedfsRules(stack: MonitoredStack, t: SeaweedfsTargets): AlertRule[] {
  const sel = (target: ScrapeTarget, extra = "") => targetSelector(stack, target, extra);
  const ns = stack.namespace;
  const leaders = `sum(SeaweedFS_master_is_leader${sel(t.master)})`;
  const down = (
    alert: string,
    target: ScrapeTarget,
    what: string,
    severity: Severity,
    forDuration: string,
    runbook: string,
  ): AlertDraft => ({
    alert,
    expr: `${answering(sel(target))} < ${target.expected}`,
    for: forDuration,
    severity,
    summary: `only {{ $value }} of ${target.expected} SeaweedFS ${what}(s) in ${ns} answer`,
    runbook: `${podsCommand(stack, target)}, then kubectl describe and logs --previous of the missing one; ${runbook}`,
  });
  const leaderlessWrites =
    `(sum by (collection) (SeaweedFS_master_volume_layout_writable${sel(t.master)} ` +
    `and on (instance) (SeaweedFS_master_is_leader${sel(t.master)} == 1)) == 0)`;
  const freeSlots =
    `(sum(SeaweedFS_volumeServer_max_volumes${sel(t.volume)}) ` +
    `- sum(SeaweedFS_volumeServer_volumes${sel(t.volume, 'type="volume"')}))`;
  const drafts: AlertDraft[] = [
    {
      alert: "SeaweedfsNoMasterLeader",
      expr: `(${leaders} or vector(0)) < 1`,
      for: "2m",
      severity: "critical",
      summary: `no SeaweedFS master in ${ns} is raft leader: no file can be written or located`,
      runbook:
        `a majority of the ${t.master.expected} master(s) must run and reach each other on 9333/19333: ` +
        `${podsCommand(stack, t.master)}; their logs show the election`,
    },
    {
      alert: "SeaweedfsSeveralMasterLeaders",
      expr: `${leaders} > 1`,
      for: "2m",
      severity: "critical",
      summary: `{{ $value }} SeaweedFS masters in ${ns} claim raft leadership at once (split brain)`,
      runbook:
        `every master must get the identical -peers list and reach the others (NetworkPolicy ` +
        `${stack.prefix}-allow-ingress-to-seaweedfs-master); then restart the minority's masters one at a time`,
    },
    down(
      "SeaweedfsMasterDown",
      t.master,
      "master",
      downSeverity(t.master.expected),
      "5m",
      "raft keeps a leader while a majority runs; the raft log is on the master's PVC, keep it",
    ),
    down(
      "SeaweedfsVolumeServerDown",
      t.volume,
      "volume server",
      "critical",
      "2m",
      "files with every copy on it cannot be read and its volumes take no writes; its data is on its PVC, " +
        "which the StatefulSet reattaches, so never delete the PVC",
    ),
    {
      alert: "SeaweedfsVolumeDiskLow",
      expr:
        `SeaweedFS_volumeServer_resource${sel(t.volume, 'type="avail"')} / ignoring (type) ` +
        `SeaweedFS_volumeServer_resource${sel(t.volume, 'type="all"')} < ${VOLUME_DISK_FREE_FRACTION}`,
      for: "10m",
      severity: "warning",
      summary: `disk {{ $labels.name }} of volume server {{ $labels.instance }} has {{ $value | humanizePercentage }} left`,
      runbook:
        `add volume servers (seaweedfs.volumeServers), or grow the disks as for CockroachDB (expand the PVCs, ` +
        `delete the StatefulSet with --cascade=orphan, raise seaweedfs.volumeStorage.size, pulumi up); ` +
        `weed shell volume.vacuum reclaims deleted files`,
    },
    {
      alert: "SeaweedfsNoWritableVolumes",
      expr: `${leaderlessWrites} and on () (${freeSlots} < 1)`,
      for: "5m",
      severity: "critical",
      summary: `collection {{ $labels.collection }} in ${ns} has no writable volume and no volume server has room for a new one: uploads fail`,
      runbook:
        `add volume servers or raise seaweedfs.maxVolumes with a larger seaweedfs.volumeStorage.size, ` +
        `then pulumi up; weed shell volume.list shows which volumes are full or read-only`,
    },
    down(
      "SeaweedfsFilerDown",
      t.filer,
      "filer",
      downSeverity(t.filer.expected),
      "5m",
      "filers are stateless (metadata in SQL), so check SQL reachability in their logs",
    ),
    down(
      "SeaweedfsS3GatewayDown",
      t.s3,
      "S3 gateway",
      downSeverity(t.s3.expected),
      "5m",
      "a gateway needs a ready filer (SeaweedfsFilerDown) and its identities Secret",
    ),
    {
      alert: "SeaweedfsFilerErrors",
      expr: `${errorRatio("SeaweedFS_filer_request_total", sel(t.filer, 'code=~"5.."'), sel(t.filer))} > ${ERROR_RATIO}`,
      for: "10m",
      severity: "warning",
      summary: `{{ $value | humanizePercentage }} of SeaweedFS filer requests in ${ns} fail with a 5xx`,
      runbook:
        `the filer logs name the cause: usually its SQL store (CockroachDB alerts) or unreachable volume ` +
        `servers (SeaweedfsVolumeServerDown); ${podsCommand(stack, t.filer)}`,
    },
    {
      alert: "SeaweedfsS3Errors",
      expr: `${errorRatio("SeaweedFS_s3_request_total", sel(t.s3, 'code=~"5.."'), sel(t.s3))} > ${ERROR_RATIO}`,
      for: "10m",
      severity: "warning",
      summary: `{{ $value | humanizePercentage }} of S3 requests in ${ns} fail with a 5xx`,
      runbook:
        `the gateway passes filer and volume errors on: check SeaweedfsFilerErrors and the volume servers, ` +
        `then the gateway logs (${podsCommand(stack, t.s3)})`,
    },
  ];
  if (t.backup !== undefined) {
    const agent = t.backup;
    drafts.push(
      down(
        "SeaweedfsBackupDown",
        agent,
        "backup agent",
        "critical",
        "10m",
        "while it is away nothing new is copied to the backup target; it resumes from its checkpoint in the filer",
      ),
      {
        alert: "SeaweedfsBackupStale",
        expr:
          `time() - max(vsekai_backup_last_success_timestamp_seconds${sel(agent)}) > ${BACKUP_STALE_SECONDS} ` +
          `and on () ${answering(sel(agent))} > 0`,
        for: "5m",
        severity: "critical",
        summary: `no backup canary has come back from the backup target in ${ns} for {{ $value | humanizeDuration }}: new objects are not being backed up`,
        runbook:
          `kubectl -n ${ns} logs deploy/${stack.prefix}-seaweedfs-backup names the failing step (the target's ` +
          `address or keys, the NetworkPolicy to it, the filer); right after a first start it is still copying ` +
          `everything written before, and vsekai_backup_lag_seconds shows how far behind the last canary was`,
      },
    );
  }
  return alertsFor(stack, "seaweedfs", drafts);
}
