import * as kubeClient from "@kubernetes/client-node";
import type { UpResult } from "@pulumi/pulumi/automation/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { durationMs } from "../../components/monitoring/duration.ts";
import { seaweedfsNames } from "../../components/seaweedfs/topology.ts";
import { chooseSqlTier, prepareDevStack, type DevStack } from "../../tools/stack/dev-stack.ts";
import {
  ensureMonitoringFixture,
  removeMonitoringFixture,
  type MonitoringFixture,
} from "../../tools/stack/monitoring-fixture.ts";
import {
  EVALUATION_INTERVAL,
  FIXTURE_SELECTOR_LABELS,
  fixtureMonitoringSettings,
  monitoringImages,
  SCRAPE_INTERVAL,
} from "../../tools/stack/monitoring-manifests.ts";
import { nodeHasImage } from "../../tools/stack/sql-standin.ts";
import { connect, poll, type Cluster } from "../cluster/kube.ts";
import { tearDownDevStack, upWithPack } from "../harness/dev-stack-run.ts";
import { prometheusApi, type PrometheusApi, type Target } from "../harness/prometheus-api.ts";

// The dev stack with monitoring.mode "operator" against a real Prometheus Operator (v0.85.0) and
// Prometheus (3.16.0), both built here from their Go modules and run by the harness in vsekai-monitoring
// (tools/stack/monitoring-fixture.ts). The API server must accept the stack's ServiceMonitors and
// PrometheusRules against the real CRDs, the Operator must turn them into Prometheus' configuration, every
// target must be up, and the volume server going away must fire SeaweedfsVolumeServerDown within its
// shortened for: and resolve when it is back. Prometheus is queried at its pod IP only.

const NAMESPACE = "vsekai-dev";
const VOLUME_STATEFULSET = seaweedfsNames("vsekai").volume;
const LIST_VOLUME_PODS = [
  "-n",
  NAMESPACE,
  "get",
  "pods",
  "-l",
  "app.kubernetes.io/component=volume",
  "-o",
  "name",
];
const ALERT = "SeaweedfsVolumeServerDown";
const MAX_ALERT_FOR = "30s";
const SCRAPE_MS = durationMs(SCRAPE_INTERVAL);
const EVAL_MS = durationMs(EVALUATION_INTERVAL);

// Decided before the tests are named, so a skip says why in the report and on the console.
const kubeConfig = new kubeClient.KubeConfig();
kubeConfig.loadFromDefault();
const images = monitoringImages();
const missing: string[] = [];
for (const image of Object.values(images)) if (!(await nodeHasImage(kubeConfig, image))) missing.push(image);
const SKIP =
  missing.length === 0
    ? undefined
    : `not in the cluster's containerd: ${missing.join(", ")} (load them with tools/images/build.sh ` +
      `--load containerd prometheus prometheus-operator prometheus-config-reloader; npm test does when ` +
      `the cold Operator build fits its budget)`;
if (SKIP !== undefined) console.warn(`\n*** SKIPPED: the live monitoring test: the images are ${SKIP} ***\n`);
const SQL_TIER = SKIP === undefined ? await chooseSqlTier(kubeConfig) : "postgres-standin";
const live = SKIP === undefined ? describe : describe.skip;
const title =
  `monitoring on the dev stack, against a real Prometheus Operator and Prometheus ` +
  (SKIP === undefined ? `(${SQL_TIER})` : `(SKIPPED: the images are ${SKIP})`);

let cluster: Cluster;
let fixture: MonitoringFixture;
let dev: DevStack;
let up: UpResult;
let printed: string;

let api: PrometheusApi;
const ourAlert = async () =>
  (await api.alerts()).find((a) => a.labels.alertname === ALERT && a.labels.namespace === NAMESPACE);

interface Declared {
  kind: "ServiceMonitor" | "PrometheusRule";
  name: string;
  spec: Record<string, unknown>;
}

/** The ServiceMonitors and PrometheusRules in the stack's state: what the program declared. */
async function declared(): Promise<Declared[]> {
  const state = await dev.workspace.stack.exportStack();
  const resources = ((
    state.deployment as { resources?: { type: string; inputs?: Record<string, unknown> }[] }
  ).resources ?? []) as { type: string; inputs?: { metadata?: { name?: string }; spec?: object } }[];
  return resources.flatMap((r) => {
    const kind = /^kubernetes:monitoring\.coreos\.com\/v1:(ServiceMonitor|PrometheusRule)$/.exec(r.type)?.[1];
    return kind === undefined
      ? []
      : [
          {
            kind,
            name: String(r.inputs?.metadata?.name),
            spec: (r.inputs?.spec ?? {}) as Record<string, unknown>,
          },
        ];
  }) as Declared[];
}

function inCluster(
  kind: string,
): { metadata: { name: string; labels?: Record<string, string> }; spec: object }[] {
  return (JSON.parse(cluster.kubectl(["-n", NAMESPACE, "get", kind, "-o", "json"])) as { items: never[] })
    .items;
}

/** How many endpoints the metrics Service behind a ServiceMonitor lists (ready or not, as it publishes). */
function endpointCount(service: string): number {
  const slices = JSON.parse(
    cluster.kubectl([
      "-n",
      NAMESPACE,
      "get",
      "endpointslices",
      "-l",
      `kubernetes.io/service-name=${service}`,
      "-o",
      "json",
    ]),
  ) as { items: { endpoints?: unknown[] }[] };
  return slices.items.reduce((n, s) => n + (s.endpoints?.length ?? 0), 0);
}

function scale(replicas: number): void {
  cluster.kubectl(["-n", NAMESPACE, "scale", `statefulset/${VOLUME_STATEFULSET}`, `--replicas=${replicas}`]);
}

live(title, () => {
  beforeAll(async () => {
    cluster = connect();
    // A dev stack destroyed just before (the dev-stack test) may still be leaving its namespace.
    const phase = () =>
      cluster.kubectl([
        "get",
        "namespace",
        NAMESPACE,
        "--ignore-not-found",
        "-o",
        "jsonpath={.status.phase}",
      ]);
    await poll(
      `namespace ${NAMESPACE} not terminating`,
      async () => (phase() === "Terminating" ? undefined : true),
      {
        attempts: 150,
        intervalMs: 2000,
      },
    );
    fixture = await ensureMonitoringFixture(kubeConfig, { stackNamespaces: [NAMESPACE], images });
    api = prometheusApi(fixture.url);
    const monitoring = fixtureMonitoringSettings({ maxAlertFor: MAX_ALERT_FOR, kubeStateMetrics: false });
    dev = await prepareDevStack({
      passphrase: "vsekai-monitoring-tests",
      sqlTier: SQL_TIER,
      config: { monitoring: { value: JSON.stringify(monitoring) } },
    });
    ({ up, printed } = await upWithPack(dev));
  });

  afterAll(async () => {
    try {
      await tearDownDevStack(dev);
    } finally {
      // After the stack: its ServiceMonitors and PrometheusRules need the CRDs to be deleted cleanly.
      await removeMonitoringFixture(kubeConfig);
    }
  });

  it("brings the stack up with monitoring.mode operator and the policy pack, no mandatory violation", () => {
    expect(up.summary.result).toBe("succeeded");
    expect(printed).toMatch(/Policies:/);
    expect(printed).not.toMatch(/mandatory/);
  });

  it("has every ServiceMonitor and PrometheusRule it declared accepted by the API server, nothing pruned", async () => {
    const objects = await declared();
    expect(objects.filter((o) => o.kind === "ServiceMonitor").length).toBeGreaterThanOrEqual(5);
    expect(objects.filter((o) => o.kind === "PrometheusRule").length).toBeGreaterThanOrEqual(2);
    for (const kind of ["ServiceMonitor", "PrometheusRule"] as const) {
      const stored = new Map(
        inCluster(`${kind.toLowerCase()}s.monitoring.coreos.com`).map((o) => [o.metadata.name, o]),
      );
      for (const object of objects.filter((o) => o.kind === kind)) {
        const found = stored.get(object.name);
        expect(found, `${kind} ${object.name}`).toBeDefined();
        expect(found?.metadata.labels).toMatchObject(FIXTURE_SELECTOR_LABELS);
        expect(found?.spec, `${kind} ${object.name} as stored`).toMatchObject(object.spec);
      }
    }
  });

  it("is scraped: the Operator turned every ServiceMonitor into a scrape pool, every target up", async () => {
    const monitors = (await declared()).filter((o) => o.kind === "ServiceMonitor").map((o) => o.name);
    const expected = new Map(monitors.map((m) => [`serviceMonitor/${NAMESPACE}/${m}/0`, endpointCount(m)]));
    for (const [pool, count] of expected) expect(count, `endpoints behind ${pool}`).toBeGreaterThan(0);
    let last: Target[] = [];
    const seen = await poll(
      "every target of the dev stack up in Prometheus",
      async () => {
        last = (await api.targets()).filter((t) => expected.has(t.scrapePool));
        const complete = [...expected].every(([pool, count]) => {
          const inPool = last.filter((t) => t.scrapePool === pool);
          return inPool.length === count && inPool.every((t) => t.health === "up");
        });
        return complete ? last : undefined;
      },
      { attempts: 60, intervalMs: 5000 },
    ).catch((error: Error) => {
      const table = last
        .map((t) => `${t.scrapePool} ${t.labels.pod ?? "?"} ${t.health} ${t.lastError}`)
        .join("\n");
      throw new Error(
        `${error.message}\nexpected ${JSON.stringify([...expected])}; Prometheus has:\n${table}`,
      );
    });
    console.info(seen.map((t) => `up: ${t.scrapePool} ${t.labels.pod}`).join("\n"));
    expect(new Set(seen.map((t) => t.labels.namespace))).toEqual(new Set([NAMESPACE]));
  });

  it("evaluates every rule group of the stack, each alert's for: capped by monitoring.maxAlertFor", async () => {
    const wanted = inCluster("prometheusrules.monitoring.coreos.com").flatMap(
      (r) => (r.spec as { groups: { name: string; rules: { alert: string }[] }[] }).groups,
    );
    expect(wanted.length).toBeGreaterThanOrEqual(2);
    const groups = await poll(
      "the stack's rule groups loaded by Prometheus",
      async () => {
        const loaded = await api.alertGroups();
        return wanted.every((w) => loaded.some((g) => g.name === w.name)) ? loaded : undefined;
      },
      { attempts: 40, intervalMs: 5000 },
    );
    for (const w of wanted) {
      const group = groups.find((g) => g.name === w.name);
      expect(group?.rules.map((r) => r.name).sort(), w.name).toEqual(w.rules.map((r) => r.alert).sort());
      for (const rule of group?.rules ?? [])
        expect(rule.duration * 1000).toBeLessThanOrEqual(durationMs(MAX_ALERT_FOR));
    }
  });

  it(`fires ${ALERT} within its shortened for: once the volume server is gone, and resolves when it is back`, async () => {
    const forMs = durationMs(MAX_ALERT_FOR);
    // A pending left from before every target answered clears at the next evaluation.
    await poll(
      `${ALERT} quiet before the fault`,
      async () => ((await ourAlert()) === undefined ? true : undefined),
      {
        attempts: Math.ceil((2 * EVAL_MS) / 2000) + 1,
        intervalMs: 2000,
      },
    );
    scale(0);
    try {
      await poll(
        "the volume server's pod gone",
        async () => (cluster.kubectl(LIST_VOLUME_PODS) === "" ? true : undefined),
        { attempts: 60, intervalMs: 2000 },
      );
      const gone = Date.now();
      // Discovery drops the target at once; the rule sees it at its next evaluation, pends for for:, then fires.
      const boundMs = forMs + 2 * EVAL_MS + 2 * SCRAPE_MS + 15_000;
      const firing = await poll(
        `${ALERT} firing`,
        async () => {
          const alert = await ourAlert();
          return alert?.state === "firing" ? alert : undefined;
        },
        { attempts: Math.ceil(boundMs / 2000), intervalMs: 2000 },
      );
      const firedAfter = Date.now() - gone;
      console.info(
        `${ALERT} fired ${(firedAfter / 1000).toFixed(1)} s after the pod was gone (bound ${boundMs / 1000} s)`,
      );
      expect(firing?.labels.severity).toBe("critical");
      expect(Date.now() - new Date(firing?.activeAt ?? 0).getTime()).toBeGreaterThanOrEqual(forMs);
      expect(firedAfter).toBeLessThanOrEqual(boundMs);
    } finally {
      scale(1);
    }
    const back = Date.now();
    await poll(`${ALERT} resolved`, async () => ((await ourAlert()) === undefined ? true : undefined), {
      attempts: 90,
      intervalMs: 2000,
    });
    console.info(`${ALERT} resolved ${((Date.now() - back) / 1000).toFixed(1)} s after the scale back to 1`);
    const volume = (await api.targets()).filter((t) =>
      t.scrapePool.includes(`${VOLUME_STATEFULSET}-metrics`),
    );
    expect(volume.map((t) => t.health)).toEqual(["up"]);
  });
});
