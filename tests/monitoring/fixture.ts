import { serverSelector } from "../../components/app/names.ts";
import { resolveStackConfig } from "../../components/config/resolve.ts";
import type { StackSettings } from "../../components/config/types.ts";
import { monitoredStack, type MonitoredStack } from "../../components/monitoring/index.ts";
import type { SeaweedfsPeers } from "../../components/seaweedfs/index.ts";
import { selectorLabels } from "../../components/shared/labels.ts";
import type { Peer } from "../../components/shared/endpoints.ts";

// A stack as the monitoring code sees it, built from real config through resolveStackConfig and with the
// peers (names and selectors) the components themselves declare.

export const APP_IMAGE = "ghcr.io/v-sekai/uro:3f2a9c1";
/** The settings of a stack whose database is external (CockroachDB Cloud, the PostgreSQL stand-in). */
export const EXTERNAL_SQL = {
  cockroach: { mode: "external" },
  databaseUrl: "postgres://u:p@db.example.com:5432/uro",
  filerDatabaseUrl: "postgres://f:p@db.example.com:5432/seaweedfs",
};

export function stackSettings(
  environment: "dev" | "staging" | "prod",
  extra: Record<string, unknown> = {},
  stack: string = environment,
): StackSettings {
  return resolveStackConfig({ environment, app: { image: APP_IMAGE }, ...extra }, stack);
}

export function peersFor(settings: StackSettings): {
  cockroach: Peer;
  seaweedfs: SeaweedfsPeers;
  app: Peer;
} {
  const instance = settings.stack;
  const part = (component: string): Peer => ({
    name: `seaweedfs-${component}`,
    selector: selectorLabels({ name: "seaweedfs", component, instance }),
  });
  return {
    cockroach: {
      name: "cockroachdb",
      selector: selectorLabels({ name: "cockroachdb", component: "cockroachdb", instance }),
    },
    seaweedfs: {
      master: part("master"),
      volume: part("volume"),
      filer: part("filer"),
      s3: part("s3"),
      bucketJob: part("bucket"),
      evacuateJob: part("evacuate"),
      s3KeysJob: part("s3-keys"),
      backup: part("backup"),
      restore: part("restore"),
    },
    app: { name: settings.app.name, selector: serverSelector(settings.app.name, instance) },
  };
}

export function monitoredFrom(settings: StackSettings): MonitoredStack {
  const peers = peersFor(settings);
  return monitoredStack({
    settings,
    prefix: "vsekai",
    cockroach: {
      peer: peers.cockroach,
      statefulSet: "vsekai-cockroachdb",
      publicService: "vsekai-cockroachdb-public",
      caSecret: "vsekai-cockroachdb-ca",
    },
    seaweedfs: peers.seaweedfs,
    app: peers.app,
  });
}

/** The stack the committed promtool tests (tests/monitoring/rules/*.test.yaml) are written against. */
export function promtoolProdStack(): MonitoredStack {
  return monitoredFrom(
    stackSettings("prod", {
      monitoring: { mode: "operator", scraperNamespace: "monitoring", kubeStateMetrics: true },
      backup: {
        target: { endpoint: "https://s3.example.com", bucket: "vsekai-backups" },
        credentialsSecret: "vsekai-backup-credentials",
      },
    }),
  );
}

/** The dev stack of the live test: one of everything, alert delays capped at 30 s. */
export function promtoolDevStack(): MonitoredStack {
  return monitoredFrom(
    stackSettings("dev", {
      monitoring: { mode: "operator", scraperNamespace: "monitoring", maxAlertFor: "30s" },
    }),
  );
}
