import { targetSelector, type MonitoredStack, type ScrapeTarget } from "../targets.ts";
import { APP_READY_METRIC, APP_REQUESTS_METRIC, APP_START_METRIC } from "../rules/app.ts";
import { dashboard, type GrafanaDashboard } from "./dashboard.ts";

// One dashboard per system, on the same series the alerts use; every query is plain PromQL (no Grafana
// macros) scoped to the stack's namespace and metrics Services, so promtool can parse each one.

export function cockroachDashboard(stack: MonitoredStack, t: ScrapeTarget): GrafanaDashboard {
  const s = targetSelector(stack, t);
  const statements = ["select", "insert", "update", "delete"].map((kind) => ({
    expr: `sum(rate(sql_${kind}_count${s}[5m]))`,
    legend: kind.toUpperCase(),
  }));
  return dashboard({
    namespace: stack.namespace,
    system: "cockroachdb",
    title: "CockroachDB",
    panels: [
      { title: "Nodes answering", stat: true, queries: [{ expr: `count(up${s} == 1)` }] },
      { title: "Live nodes (liveness)", stat: true, queries: [{ expr: `max(liveness_livenodes${s})` }] },
      { title: "Unavailable ranges", stat: true, queries: [{ expr: `sum(ranges_unavailable${s})` }] },
      {
        title: "Under-replicated ranges",
        stat: true,
        queries: [{ expr: `sum(ranges_underreplicated${s})` }],
      },
      { title: "SQL statements per second", unit: "ops", queries: statements },
      {
        title: "SQL service latency, 99th percentile",
        unit: "ns",
        queries: [
          {
            expr: `histogram_quantile(0.99, sum by (instance, le) (rate(sql_service_latency_bucket${s}[5m])))`,
            legend: "{{instance}}",
          },
        ],
      },
      {
        title: "Store space available",
        unit: "percentunit",
        queries: [{ expr: `capacity_available${s} / capacity${s}`, legend: "{{instance}} store {{store}}" }],
      },
      {
        title: "Replicas per node",
        queries: [{ expr: `sum by (instance) (replicas${s})`, legend: "{{instance}}" }],
      },
      {
        title: "Clock offset from the cluster",
        unit: "ns",
        queries: [{ expr: `clock_offset_meannanos${s}`, legend: "{{instance}}" }],
      },
      {
        title: "Certificate lifetime left",
        unit: "s",
        queries: [
          { expr: `min(security_certificate_expiration_node${s} > 0) - time()`, legend: "node" },
          { expr: `min(security_certificate_expiration_ca${s} > 0) - time()`, legend: "CA" },
        ],
      },
      ...(stack.cockroach?.backup
        ? [
            {
              title: "Time since the last scheduled backup completed",
              unit: "s",
              queries: [{ expr: `time() - max(schedules_BACKUP_last_completed_time${s})`, legend: "age" }],
            },
          ]
        : []),
    ],
  });
}

export function seaweedfsDashboard(
  stack: MonitoredStack,
  t: {
    master: ScrapeTarget;
    volume: ScrapeTarget;
    filer: ScrapeTarget;
    s3: ScrapeTarget;
    backup?: ScrapeTarget;
  },
): GrafanaDashboard {
  const sel = (target: ScrapeTarget, extra = "") => targetSelector(stack, target, extra);
  const answering = (target: ScrapeTarget, what: string) => ({
    expr: `count(up${sel(target)} == 1)`,
    legend: what,
  });
  const requests = (counter: string, target: ScrapeTarget) =>
    `sum by (code) (rate(${counter}${sel(target)}[5m]))`;
  const p99 = (histogram: string, target: ScrapeTarget) =>
    `histogram_quantile(0.99, sum by (type, le) (rate(${histogram}${sel(target)}[5m])))`;
  return dashboard({
    namespace: stack.namespace,
    system: "seaweedfs",
    title: "SeaweedFS",
    panels: [
      {
        title: "Raft leaders (must be 1)",
        stat: true,
        queries: [{ expr: `sum(SeaweedFS_master_is_leader${sel(t.master)})` }],
      },
      {
        title: "Writable volumes",
        stat: true,
        queries: [{ expr: `sum(SeaweedFS_master_volume_layout_writable${sel(t.master)})` }],
      },
      {
        title: "Free volume slots",
        stat: true,
        queries: [
          {
            expr:
              `sum(SeaweedFS_volumeServer_max_volumes${sel(t.volume)}) - ` +
              `sum(SeaweedFS_volumeServer_volumes${sel(t.volume, 'type="volume"')})`,
          },
        ],
      },
      {
        title: "Read-only volumes",
        stat: true,
        queries: [{ expr: `sum(SeaweedFS_volumeServer_read_only_volumes${sel(t.volume)})` }],
      },
      {
        title: "Servers answering",
        queries: [
          answering(t.master, "masters"),
          answering(t.volume, "volume servers"),
          answering(t.filer, "filers"),
          answering(t.s3, "S3 gateways"),
        ],
      },
      {
        title: "Volume server disk available",
        unit: "percentunit",
        queries: [
          {
            expr:
              `SeaweedFS_volumeServer_resource${sel(t.volume, 'type="avail"')} / ignoring (type) ` +
              `SeaweedFS_volumeServer_resource${sel(t.volume, 'type="all"')}`,
            legend: "{{instance}} {{name}}",
          },
        ],
      },
      {
        title: "Filer requests by status",
        unit: "reqps",
        queries: [{ expr: requests("SeaweedFS_filer_request_total", t.filer), legend: "{{code}}" }],
      },
      {
        title: "S3 requests by status",
        unit: "reqps",
        queries: [{ expr: requests("SeaweedFS_s3_request_total", t.s3), legend: "{{code}}" }],
      },
      {
        title: "Filer latency, 99th percentile",
        unit: "s",
        queries: [{ expr: p99("SeaweedFS_filer_request_seconds_bucket", t.filer), legend: "{{type}}" }],
      },
      {
        title: "S3 latency, 99th percentile",
        unit: "s",
        queries: [{ expr: p99("SeaweedFS_s3_request_seconds_bucket", t.s3), legend: "{{type}}" }],
      },
      ...(t.backup ? [backupPanel(sel(t.backup))] : []),
    ],
  });
}

/** The backup agent's canary: how far behind the target was at the last round trip, and how long ago that was. */
function backupPanel(s: string) {
  return {
    title: "Object backup: lag of the last canary, and its age",
    unit: "s",
    queries: [
      { expr: `max(vsekai_backup_lag_seconds${s})`, legend: "lag" },
      { expr: `time() - max(vsekai_backup_last_success_timestamp_seconds${s})`, legend: "since last canary" },
    ],
  };
}

export function appDashboard(stack: MonitoredStack, t: ScrapeTarget, appName: string): GrafanaDashboard {
  const s = targetSelector(stack, t);
  const withClass = targetSelector(stack, t, 'status_class="5xx"');
  return dashboard({
    namespace: stack.namespace,
    system: "app",
    title: `app (${appName})`,
    panels: [
      { title: "Replicas answering", stat: true, queries: [{ expr: `count(up${s} == 1)` }] },
      { title: "Replicas ready", stat: true, queries: [{ expr: `sum(${APP_READY_METRIC}${s})` }] },
      {
        title: "5xx share",
        stat: true,
        unit: "percentunit",
        queries: [
          {
            expr: `sum(rate(${APP_REQUESTS_METRIC}${withClass}[5m])) / sum(rate(${APP_REQUESTS_METRIC}${s}[5m]))`,
          },
        ],
      },
      {
        title: "Restarts in the last hour",
        stat: true,
        queries: [{ expr: `sum(changes(${APP_START_METRIC}${s}[1h]))` }],
      },
      {
        title: "Requests by status class",
        unit: "reqps",
        queries: [
          {
            expr: `sum by (endpoint, status_class) (rate(${APP_REQUESTS_METRIC}${s}[5m]))`,
            legend: "{{endpoint}} {{status_class}}",
          },
        ],
      },
      {
        title: "BEAM memory",
        unit: "bytes",
        queries: [{ expr: `sum by (kind) (uro_beam_memory_bytes${s})`, legend: "{{kind}}" }],
      },
      {
        title: "BEAM processes",
        queries: [{ expr: `uro_beam_processes${s}`, legend: "{{instance}}" }],
      },
    ],
  });
}
