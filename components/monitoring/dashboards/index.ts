import { scrapeTargets, targetNamed, type MonitoredStack } from "../targets.ts";
import type { GrafanaDashboard } from "./dashboard.ts";
import { appDashboard, cockroachDashboard, seaweedfsDashboard } from "./systems.ts";

export { DATASOURCE_REF, DATASOURCE_VARIABLE, dashboardUid, type GrafanaDashboard } from "./dashboard.ts";

export interface SystemDashboard {
  system: "cockroachdb" | "seaweedfs" | "app";
  dashboard: GrafanaDashboard;
}

/** One dashboard per system the stack runs and scrapes. */
export function systemDashboards(stack: MonitoredStack): SystemDashboard[] {
  const targets = scrapeTargets(stack);
  const target = (name: string) => targetNamed(targets, name);
  const dashboards: SystemDashboard[] = [];
  if (stack.cockroach) {
    dashboards.push({ system: "cockroachdb", dashboard: cockroachDashboard(stack, target("cockroachdb")) });
  }
  dashboards.push({
    system: "seaweedfs",
    dashboard: seaweedfsDashboard(stack, {
      master: target("seaweedfs-master"),
      volume: target("seaweedfs-volume"),
      filer: target("seaweedfs-filer"),
      s3: target("seaweedfs-s3"),
      ...(stack.seaweedfs.backup ? { backup: target("seaweedfs-backup") } : {}),
    }),
  });
  if (stack.app) {
    dashboards.push({
      system: "app",
      dashboard: appDashboard(stack, target(stack.app.name), stack.app.name),
    });
  }
  return dashboards;
}
