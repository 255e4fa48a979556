import { createHash } from "node:crypto";

// The Grafana dashboard model, as much of it as these dashboards use. The data source is a dashboard
// variable: each panel and query points at `${datasource}`, so the same JSON works whatever the Prometheus
// data source is called in the Grafana that loads it.

export const DATASOURCE_VARIABLE = "datasource";
export const DATASOURCE_REF = { type: "prometheus", uid: `\${${DATASOURCE_VARIABLE}}` } as const;
/** Grafana refuses dashboard uids longer than this. */
const MAX_UID_LENGTH = 40;
const COLUMNS = 24;

export interface Query {
  expr: string;
  legend?: string;
}

export interface PanelDraft {
  title: string;
  queries: Query[];
  /** Grafana unit id, e.g. "percentunit", "bytes", "reqps", "s". */
  unit?: string;
  /** A single number (the last value) instead of a graph. */
  stat?: boolean;
  description?: string;
}

export interface GrafanaTarget {
  refId: string;
  expr: string;
  legendFormat: string;
  datasource: typeof DATASOURCE_REF;
}

export interface GrafanaPanel {
  id: number;
  type: "timeseries" | "stat";
  title: string;
  description?: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource: typeof DATASOURCE_REF;
  targets: GrafanaTarget[];
  fieldConfig: { defaults: { unit?: string }; overrides: [] };
  options: Record<string, unknown>;
}

export interface GrafanaDashboard {
  uid: string;
  title: string;
  tags: string[];
  editable: boolean;
  schemaVersion: number;
  version: number;
  refresh: string;
  time: { from: string; to: string };
  timezone: string;
  templating: { list: Record<string, unknown>[] };
  panels: GrafanaPanel[];
}

/** `<namespace>-<system>`, or a hash-shortened form when that is longer than Grafana allows. */
export function dashboardUid(namespace: string, system: string): string {
  const plain = `${namespace}-${system}`;
  if (plain.length <= MAX_UID_LENGTH) return plain;
  const hash = createHash("sha256").update(plain).digest("hex").slice(0, 8);
  return `${plain.slice(0, MAX_UID_LENGTH - hash.length - 1)}-${hash}`;
}

/** Stat panels sit four to a row, graphs two to a row, in the order given. */
function layout(drafts: PanelDraft[]): GrafanaPanel["gridPos"][] {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  return drafts.map((d) => {
    const w = d.stat ? COLUMNS / 4 : COLUMNS / 2;
    const h = d.stat ? 4 : 8;
    if (x + w > COLUMNS) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const pos = { x, y, w, h };
    x += w;
    rowHeight = Math.max(rowHeight, h);
    return pos;
  });
}

export function dashboard(o: {
  namespace: string;
  system: string;
  title: string;
  panels: PanelDraft[];
}): GrafanaDashboard {
  const positions = layout(o.panels);
  return {
    uid: dashboardUid(o.namespace, o.system),
    title: `V-Sekai ${o.namespace}: ${o.title}`,
    tags: ["vsekai", o.namespace, o.system],
    editable: true,
    schemaVersion: 39,
    version: 1,
    refresh: "30s",
    time: { from: "now-6h", to: "now" },
    timezone: "browser",
    templating: {
      list: [
        {
          name: DATASOURCE_VARIABLE,
          label: "Data source",
          type: "datasource",
          query: "prometheus",
          hide: 0,
          refresh: 1,
          current: {},
        },
      ],
    },
    panels: o.panels.map((d, i) => ({
      id: i + 1,
      type: d.stat ? "stat" : "timeseries",
      title: d.title,
      ...(d.description ? { description: d.description } : {}),
      gridPos: positions[i] ?? { x: 0, y: 0, w: COLUMNS, h: 8 },
      datasource: DATASOURCE_REF,
      targets: d.queries.map((q, j) => ({
        refId: String.fromCharCode(65 + j),
        expr: q.expr,
        legendFormat: q.legend ?? "",
        datasource: DATASOURCE_REF,
      })),
      fieldConfig: { defaults: d.unit ? { unit: d.unit } : {}, overrides: [] },
      options: d.stat ? { reduceOptions: { calcs: ["lastNotNull"] } } : { legend: { displayMode: "list" } },
    })),
  };
}
