import { describe, expect, it } from "vitest";
import {
  DATASOURCE_REF,
  dashboardUid,
  systemDashboards,
} from "../../../components/monitoring/dashboards/index.ts";
import { monitoredFrom, promtoolProdStack, stackSettings } from "../../monitoring/fixture.ts";

/** Every `datasource` value anywhere in a dashboard. */
function datasources(value: unknown): unknown[] {
  if (Array.isArray(value)) return value.flatMap(datasources);
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([k, v]) => (k === "datasource" ? [v] : datasources(v)));
}

describe("dashboards", () => {
  const dashboards = systemDashboards(promtoolProdStack());

  it("one per system, each with its own uid and the stack in its title", () => {
    expect(dashboards.map((d) => [d.system, d.dashboard.uid, d.dashboard.title])).toEqual([
      ["cockroachdb", "vsekai-prod-cockroachdb", "V-Sekai vsekai-prod: CockroachDB"],
      ["seaweedfs", "vsekai-prod-seaweedfs", "V-Sekai vsekai-prod: SeaweedFS"],
      ["app", "vsekai-prod-app", "V-Sekai vsekai-prod: app (uro)"],
    ]);
  });

  it("show the backups' age (and the object backup's lag) where the stack backs up", () => {
    const titles = (system: string, list = dashboards) =>
      list.find((d) => d.system === system)?.dashboard.panels.map((p) => p.title) ?? [];
    expect(titles("cockroachdb")).toContain("Time since the last scheduled backup completed");
    expect(titles("seaweedfs")).toContain("Object backup: lag of the last canary, and its age");
    const without = systemDashboards(
      monitoredFrom(
        stackSettings("prod", {
          monitoring: { mode: "operator", scraperNamespace: "monitoring" },
          backup: { enabled: false, reason: "a test" },
        }),
      ),
    );
    expect(titles("cockroachdb", without)).not.toContain("Time since the last scheduled backup completed");
    expect(titles("seaweedfs", without)).not.toContain("Object backup: lag of the last canary, and its age");
  });

  it("take the data source from a variable, never a fixed one", () => {
    for (const { dashboard } of dashboards) {
      expect(dashboard.templating.list).toContainEqual(
        expect.objectContaining({ name: "datasource", type: "datasource", query: "prometheus" }),
      );
      const refs = datasources(dashboard);
      expect(refs.length).toBeGreaterThan(dashboard.panels.length);
      for (const ref of refs) expect(ref).toEqual(DATASOURCE_REF);
    }
    expect(DATASOURCE_REF).toEqual({ type: "prometheus", uid: "${datasource}" });
  });

  it("lay panels out without overlaps, inside Grafana's 24 columns", () => {
    for (const { dashboard } of dashboards) {
      const cells = new Set<string>();
      for (const { gridPos: g } of dashboard.panels) {
        expect(g.x + g.w).toBeLessThanOrEqual(24);
        for (let x = g.x; x < g.x + g.w; x++) {
          for (let y = g.y; y < g.y + g.h; y++) {
            expect(cells.has(`${x},${y}`)).toBe(false);
            cells.add(`${x},${y}`);
          }
        }
      }
    }
  });

  it("query only this stack's series", () => {
    for (const { dashboard } of dashboards) {
      for (const target of dashboard.panels.flatMap((p) => p.targets)) {
        expect(target.expr).toMatch(/namespace="vsekai-prod",service="vsekai-[a-z0-9-]+-metrics"/);
      }
    }
  });

  it("keep uids within Grafana's 40 characters for long namespaces", () => {
    const long = "a-namespace-name-that-is-long-enough-to-overflow";
    const uid = dashboardUid(long, "cockroachdb");
    expect(uid.length).toBeLessThanOrEqual(40);
    expect(dashboardUid(long, "seaweedfs")).not.toBe(uid);
    expect(dashboardUid("vsekai-dev", "app")).toBe("vsekai-dev-app");
    const stack = monitoredFrom(
      stackSettings("prod", {
        namespace: long,
        monitoring: { mode: "operator", scraperNamespace: "monitoring" },
      }),
    );
    for (const { dashboard } of systemDashboards(stack)) expect(dashboard.uid.length).toBeLessThanOrEqual(40);
  });
});
