import * as k8s from "@kubernetes/client-node";
import pg from "pg";
import { CA_CERT } from "../../components/cockroachdb/certs.ts";
import { clusterNames } from "../../components/cockroachdb/topology.ts";
import { HARNESS, policyOptions } from "../../tools/stack/dev-stack.ts";
import { pinnedImage } from "../../tools/stack/images.ts";
import { clientConfig, loginFromUrl, type SqlLogin } from "../integration/sql-access.ts";
import { isReady, podsMatching } from "./faults.ts";
import { stackWhole, underReplicated } from "./ha-scenarios.ts";
import { HA_STACK, type HaStack } from "./ha-stack.ts";
import { formatTable, runScenario, type Scenario, type ScenarioRow, type Targets } from "./scenarios.ts";
import { credentialChanges } from "./credential-rotation.ts";
import { observeRollOrder, type RollOrder } from "./roll-order.ts";

// Changes a team ships with `pulumi up` (issue 11), run on the live HA stack under the same load and data
// check as the faults: the "fault" is a real `up` with changed settings, timed; the system is whole again
// once every component is and the change's own condition holds (every app pod on the new image, …).

const PREFIX = "vsekai";

/** What one `up` did: how long it took and, when it failed, the engine's whole message. */
export interface UpRecord {
  seconds?: number;
  failure?: string;
}

export interface StackChange {
  name: string;
  /** Settings by path under `vsekai-infra:` (e.g. `app.image`), set before the `up`. */
  settings: Record<string, string>;
  /** Settings stored encrypted (`pulumi config set --secret`), e.g. a database URL. */
  secretSettings?: Record<string, string>;
  /** What happens outside the stack before the change (a second login made at the database, …). */
  prepare?(): Promise<void>;
  /** Beyond every component being whole: the change is in (or, for a refused one, the old state holds). */
  settled(): Promise<boolean>;
  recoveryBoundSeconds: number;
  /** The counts the stack is whole at once the change is in, when it changes them. */
  counts?: Partial<HaStack["context"]["counts"]>;
}

/** Sets stack settings by path under `vsekai-infra:`, as `pulumi config set --path [--secret]` does. */
export async function applySettings(
  ha: HaStack,
  settings: Record<string, string>,
  secret = false,
): Promise<void> {
  for (const [key, value] of Object.entries(settings)) {
    await ha.stack.workspace.stack.setConfig(`vsekai-infra:${key}`, { value, secret }, true);
  }
}

/** A change as a scenario: inject sets the settings and runs `up` with the policy pack, recording it. */
export function changeScenario(ha: HaStack, change: StackChange, record: UpRecord): Scenario {
  const stack = ha.stack.workspace.stack;
  // Before the change the stack must be whole as it is; the change's own condition counts from its `up` on.
  let changed = false;
  return {
    name: change.name,
    async inject() {
      changed = true;
      await applySettings(ha, change.settings);
      await applySettings(ha, change.secretSettings ?? {}, true);
      Object.assign(ha.context.counts, change.counts ?? {});
      const started = performance.now();
      try {
        await stack.up(policyOptions(HARNESS[HA_STACK].packConfig));
        record.seconds = (performance.now() - started) / 1000;
        return `pulumi up took ${record.seconds.toFixed(1)} s`;
      } catch (error) {
        record.seconds = (performance.now() - started) / 1000;
        record.failure = error instanceof Error ? error.message : String(error);
        return `pulumi up failed after ${record.seconds.toFixed(1)} s`;
      }
    },
    whole: async () => (await stackWhole(ha.context)) && (!changed || (await change.settled())),
    recoveryBoundSeconds: change.recoveryBoundSeconds,
  };
}

const appSelector = (ha: HaStack, component: "server" | "migrate"): string =>
  `app.kubernetes.io/name=${ha.context.appName},app.kubernetes.io/component=${component}`;

const imageOf = (spec: k8s.V1PodSpec | undefined): string | undefined => spec?.containers[0]?.image;
/** Ready (isReady: running, Ready, not on its way out) and on `image`. */
const servesOn = (pod: k8s.V1Pod, image: string): boolean => isReady(pod) && imageOf(pod.spec) === image;

/** Every app pod there is runs `image` and is ready, at the stack's count, and none is on its way out. */
export async function appRunsOnly(ha: HaStack, image: string): Promise<boolean> {
  const pods = await podsMatching(ha.context.kc, ha.namespace, appSelector(ha, "server"));
  return pods.length === ha.context.counts.app && pods.every((p) => servesOn(p, image));
}

const SEAWEEDFS_SERVERS = ["master", "volume", "filer", "s3"] as const;
type SeaweedfsServer = (typeof SEAWEEDFS_SERVERS)[number];
const seaweedfsSelector = (part: SeaweedfsServer) =>
  `app.kubernetes.io/name=seaweedfs,app.kubernetes.io/component=${part}`;

/** Every SeaweedFS server pod runs `image`, is ready, and none is on its way out. */
export async function seaweedfsRunsOnly(ha: HaStack, image: string): Promise<boolean> {
  for (const part of SEAWEEDFS_SERVERS) {
    const pods = await podsMatching(ha.context.kc, ha.namespace, seaweedfsSelector(part));
    if (pods.length === 0 || !pods.every((p) => servesOn(p, image))) return false;
  }
  return true;
}

/**
 * The fewest ready pods of each SeaweedFS server seen while a change runs (sampled every 500 ms): a roll
 * that takes one pod at a time never shows fewer than the count minus one. With `rollingTo`, also when the
 * masters were all on that image and when a volume server was first touched (roll-order.ts).
 */
export function sampleReadyFloor(
  ha: HaStack,
  rollingTo?: string,
): { stop(): Promise<{ floor: Record<SeaweedfsServer, number>; order: RollOrder }> } {
  const floor: Record<SeaweedfsServer, number> = {
    master: Number.POSITIVE_INFINITY,
    volume: Number.POSITIVE_INFINITY,
    filer: Number.POSITIVE_INFINITY,
    s3: Number.POSITIVE_INFINITY,
  };
  let order: RollOrder = {};
  const started = performance.now();
  let running = true;
  const loop = (async () => {
    // Bounded: a change's recovery bound is at most 10 minutes; the sampler stops by itself after 30.
    for (let i = 0; running && i < 3600; i++) {
      const sample: Partial<Record<SeaweedfsServer, k8s.V1Pod[]>> = {};
      for (const part of SEAWEEDFS_SERVERS) {
        try {
          const pods = await podsMatching(ha.context.kc, ha.namespace, seaweedfsSelector(part));
          sample[part] = pods;
          floor[part] = Math.min(floor[part], pods.filter(isReady).length);
        } catch {
          // the API server busy for a moment: no sample
        }
      }
      if (rollingTo !== undefined && sample.master !== undefined && sample.volume !== undefined) {
        const { masters, volumes } = ha.context.counts;
        order = observeRollOrder(
          order,
          performance.now() - started,
          { masters: sample.master, volumes: sample.volume },
          rollingTo,
          { masters, volumes },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { floor, order };
    },
  };
}

/** The app's migration Jobs whose pod template runs `image`. */
async function migrationJobsOf(ha: HaStack, image: string): Promise<k8s.V1Job[]> {
  const batch = ha.context.kc.makeApiClient(k8s.BatchV1Api);
  const all = await batch.listNamespacedJob({
    namespace: ha.namespace,
    labelSelector: appSelector(ha, "migrate"),
  });
  return all.items.filter((job) => imageOf(job.spec?.template.spec) === image);
}

/** A migration Job for `image` exists: the `up` that rolls it is under way. */
export async function migrationJobExists(ha: HaStack, image: string): Promise<boolean> {
  return (await migrationJobsOf(ha, image)).length > 0;
}

/** What Kubernetes and the database say about the migration of one image. */
export interface MigrationEvidence {
  /** The Jobs whose pod template runs the image (one is right). */
  jobs: string[];
  succeeded: number;
  failed: number;
  /** Pods those Jobs made (retries included). */
  pods: number;
  completedAt?: Date;
  /** The earliest creation of an app server pod on the image. */
  firstServerPodAt?: Date;
  /** Runs the release recorded in its migration table (every run inserts one row first). */
  runs: number;
}

export async function migrationEvidence(
  ha: HaStack,
  image: string,
  version: string,
): Promise<MigrationEvidence> {
  const jobs = await migrationJobsOf(ha, image);
  let pods = 0;
  for (const job of jobs) {
    const name = job.metadata?.name ?? "";
    pods += (await podsMatching(ha.context.kc, ha.namespace, `batch.kubernetes.io/job-name=${name}`)).length;
  }
  const servers = (await podsMatching(ha.context.kc, ha.namespace, appSelector(ha, "server")))
    .filter((p) => imageOf(p.spec) === image)
    .map((p) => p.metadata?.creationTimestamp)
    .filter((at): at is Date => at !== undefined)
    .sort((a, b) => a.getTime() - b.getTime());
  const completions = jobs.map((j) => j.status?.completionTime).filter((at): at is Date => at !== undefined);
  const rows = await appSql<{ runs: string }>(
    ha,
    "SELECT count(*)::text AS runs FROM uro_standin_migration_runs WHERE version = $1",
    [version],
  );
  return {
    jobs: jobs.map((j) => j.metadata?.name ?? ""),
    succeeded: jobs.reduce((n, j) => n + (j.status?.succeeded ?? 0), 0),
    failed: jobs.reduce((n, j) => n + (j.status?.failed ?? 0), 0),
    pods,
    ...(completions[0] !== undefined ? { completedAt: completions[0] } : {}),
    ...(servers[0] !== undefined ? { firstServerPodAt: servers[0] } : {}),
    runs: Number(rows[0]?.runs ?? "0"),
  };
}

/** A query as the app's own SQL user, reached at the cluster IP of the Service its URL names. */
export async function appSql<T extends pg.QueryResultRow>(
  ha: HaStack,
  text: string,
  values: unknown[],
): Promise<T[]> {
  const url = ha.up.outputs.databaseUrl?.value;
  if (typeof url !== "string") throw new Error("the ha stack has no databaseUrl output");
  const login: SqlLogin = loginFromUrl(url);
  const core = ha.context.kc.makeApiClient(k8s.CoreV1Api);
  const [service, namespace] = login.host.split(".");
  if (service === undefined || namespace === undefined) throw new Error(`unexpected SQL host ${login.host}`);
  const address = (await core.readNamespacedService({ name: service, namespace })).spec?.clusterIP;
  if (address === undefined) throw new Error(`Service ${namespace}/${service} has no cluster IP`);
  let ca: string | undefined;
  if (login.sslmode !== "disable") {
    const secret = await core.readNamespacedSecret({
      name: clusterNames(PREFIX).caSecret,
      namespace: ha.namespace,
    });
    const data = secret.data?.[CA_CERT];
    if (data === undefined) throw new Error(`the stack's CA Secret has no ${CA_CERT}`);
    ca = Buffer.from(data, "base64").toString("utf8");
  }
  const client = new pg.Client(clientConfig(login, address, ca));
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** The uro stand-in releases the app changes roll (tools/images/versions.env). */
export const RELEASES = {
  current: pinnedImage("URO_STANDIN_IMAGE"),
  next: pinnedImage("URO_STANDIN_NEXT_IMAGE"),
  nextVersion: pinnedImage("URO_STANDIN_NEXT_VERSION"),
  broken: pinnedImage("URO_STANDIN_BROKEN_IMAGE"),
  brokenVersion: pinnedImage("URO_STANDIN_BROKEN_VERSION"),
  /** A second build of the pinned SeaweedFS (the only version served here), for the image roll. */
  seaweedfsRebuild: pinnedImage("SEAWEEDFS_REBUILD_IMAGE"),
};

export const HA_CHANGE_NAMES = [
  "app release",
  "failed migration",
  "back after failed release",
  "seaweedfs image roll",
  "volume servers 3 to 2",
  "credentials rotated",
  "previous credentials retired",
] as const;
export type HaChangeName = (typeof HA_CHANGE_NAMES)[number];

/** The changes, in the order they run (each starts from where the one before left the stack). */
export function haChanges(ha: HaStack): Record<HaChangeName, StackChange> {
  const bound = 300;
  // An image change, and the release that must be serving (alone) once it is through.
  const release = (name: HaChangeName, image: string, serving: string): StackChange => ({
    name,
    settings: { "app.image": image },
    settled: () => appRunsOnly(ha, serving),
    recoveryBoundSeconds: bound,
  });
  return {
    "app release": release("app release", RELEASES.next, RELEASES.next),
    // The rollout must never start: whole means the previous release still serves, alone.
    "failed migration": release("failed migration", RELEASES.broken, RELEASES.next),
    "back after failed release": release("back after failed release", RELEASES.next, RELEASES.next),
    "seaweedfs image roll": {
      name: "seaweedfs image roll",
      settings: { "seaweedfs.image": RELEASES.seaweedfsRebuild },
      settled: () => seaweedfsRunsOnly(ha, RELEASES.seaweedfsRebuild),
      recoveryBoundSeconds: 600,
    },
    "volume servers 3 to 2": {
      name: "volume servers 3 to 2",
      settings: { "seaweedfs.volumeServers": "2" },
      settled: async () => (await underReplicated(ha.context)).length === 0,
      counts: { volumes: 2 },
      recoveryBoundSeconds: bound,
    },
    ...credentialChanges(ha, bound),
  };
}

export interface ChangeRow {
  row: ScenarioRow;
  up: UpRecord;
}

export async function runChange(ha: HaStack, change: StackChange, targets: Targets): Promise<ChangeRow> {
  await change.prepare?.();
  const up: UpRecord = {};
  const row = await runScenario(changeScenario(ha, change, up), targets);
  return { row, up };
}

/** The scenario table with each change's `up` time beside it. */
export function formatChangeTable(rows: ChangeRow[]): string {
  const upTimes = rows.map(
    ({ row, up }) =>
      `${row.scenario}: pulumi up ${up.seconds?.toFixed(1) ?? "?"} s${up.failure === undefined ? "" : " (failed)"}`,
  );
  return [formatTable(rows.map((r) => r.row)), ...upTimes].join("\n");
}
