import { describe, expect, it } from "vitest";
import { replicationNeeds } from "../rules/availability.ts";
import { resourceMessages, stackViolations, urnOf } from "../testing.ts";
import {
  APP_SELECTOR,
  appDeployment,
  cockroachStatefulSet,
  healthyStack,
  masterPeerList,
  modified,
  pdb,
  podSpecOf,
  seaweedMaster,
  seaweedVolume,
  TYPES,
} from "./fixtures.ts";
import { rule, type Props } from "./helpers.ts";

const withoutPdbs = () => healthyStack().filter((r) => r.type !== TYPES.pdb);

describe("pod-disruption-budget", () => {
  it("passes the healthy stack", async () => {
    expect(await stackViolations(rule("pod-disruption-budget"), healthyStack())).toEqual([]);
  });

  it("fires for each multi-pod workload no budget selects", async () => {
    const app = appDeployment();
    const found = await stackViolations(rule("pod-disruption-budget"), [
      ...withoutPdbs().filter((r) => r.name !== app.name),
      app,
    ]);
    expect(found.map((v) => v.message)).toEqual([
      'StatefulSet "vsekai-cockroachdb" runs 3 pods but no PodDisruptionBudget selects them',
      'StatefulSet "vsekai-seaweedfs-master" runs 3 pods but no PodDisruptionBudget selects them',
      'StatefulSet "vsekai-seaweedfs-volume" runs 3 pods but no PodDisruptionBudget selects them',
      'Deployment "vsekai-uro" runs 3 pods but no PodDisruptionBudget selects them',
    ]);
    expect(found[3]?.urn).toBe(urnOf(app));
  });

  it("counts an HPA's floor when the HPA owns the replica count", async () => {
    const hpa = (minReplicas: number) => ({
      type: TYPES.hpa,
      name: "app-hpa",
      props: {
        metadata: { name: "vsekai-uro", namespace: "vsekai-prod" },
        spec: {
          scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "vsekai-uro" },
          minReplicas,
        },
      },
    });
    const found = await stackViolations(rule("pod-disruption-budget"), [appDeployment("hpa"), hpa(2)]);
    expect(found.map((v) => v.message)).toEqual([
      'Deployment "vsekai-uro" runs 2 pods but no PodDisruptionBudget selects them',
    ]);
    expect(await stackViolations(rule("pod-disruption-budget"), [appDeployment("hpa"), hpa(1)])).toEqual([]);
  });

  it("refuses a budget that never allows an eviction", async () => {
    const blocking = pdb("vsekai-uro", APP_SELECTOR, { minAvailable: 3 });
    const found = await stackViolations(rule("pod-disruption-budget"), [appDeployment(3), blocking]);
    expect(found).toEqual([
      {
        message:
          'PodDisruptionBudget "vsekai-uro" (minAvailable 3 of 3) never lets Deployment "vsekai-uro" be evicted',
        urn: urnOf(blocking),
      },
    ]);
    const zero = pdb("vsekai-uro", APP_SELECTOR, { maxUnavailable: 0 });
    expect(
      (await stackViolations(rule("pod-disruption-budget"), [appDeployment(1), zero])).map((v) => v.message),
    ).toEqual([
      'PodDisruptionBudget "vsekai-uro" (maxUnavailable 0) never lets Deployment "vsekai-uro" be evicted',
    ]);
  });
});

describe("statefulset-spreading", () => {
  it("passes our StatefulSets and a single-pod one without spreading", async () => {
    expect(await resourceMessages(rule("statefulset-spreading"), cockroachStatefulSet())).toEqual([]);
    const single = modified(cockroachStatefulSet({ nodes: 1 }), (p) => {
      delete podSpecOf(p).affinity;
      delete podSpecOf(p).topologySpreadConstraints;
    });
    expect(await resourceMessages(rule("statefulset-spreading"), single)).toEqual([]);
  });

  it("fires without spreading, or with spreading that selects other pods", async () => {
    const none = modified(cockroachStatefulSet(), (p) => {
      delete podSpecOf(p).affinity;
      delete podSpecOf(p).topologySpreadConstraints;
    });
    const message =
      'StatefulSet "vsekai-cockroachdb" runs 3 pods with no pod anti-affinity or topology spread over its own pods';
    expect(await resourceMessages(rule("statefulset-spreading"), none)).toEqual([message]);
    const elsewhere = modified(none, (p) => {
      podSpecOf(p).topologySpreadConstraints = [
        { maxSkew: 1, topologyKey: "zone", labelSelector: { matchLabels: { app: "other" } } },
      ];
    });
    expect(await resourceMessages(rule("statefulset-spreading"), elsewhere)).toEqual([message]);
  });
});

describe("cockroachdb-min-nodes", () => {
  it("passes three nodes in prod and one node in dev", async () => {
    expect(await resourceMessages(rule("cockroachdb-min-nodes"), cockroachStatefulSet())).toEqual([]);
    const dev = { "cockroachdb-min-nodes": { environment: "dev" } };
    expect(
      await resourceMessages(rule("cockroachdb-min-nodes"), cockroachStatefulSet({ nodes: 1 }), dev),
    ).toEqual([]);
  });

  it("fires below the minimum outside dev, with the configured minimum", async () => {
    expect(await resourceMessages(rule("cockroachdb-min-nodes"), cockroachStatefulSet({ nodes: 1 }))).toEqual(
      ['CockroachDB StatefulSet "vsekai-cockroachdb" runs 1 node; prod needs at least 3'],
    );
    const staging5 = { "cockroachdb-min-nodes": { environment: "staging", minCockroachNodes: 5 } };
    expect(await resourceMessages(rule("cockroachdb-min-nodes"), cockroachStatefulSet(), staging5)).toEqual([
      'CockroachDB StatefulSet "vsekai-cockroachdb" runs 3 nodes; staging needs at least 5',
    ]);
  });

  it("ignores workloads that only run cockroach clients (the init Job)", async () => {
    const job = { ...cockroachStatefulSet(), type: TYPES.job };
    (job.props.spec as Props).replicas = undefined;
    expect(await resourceMessages(rule("cockroachdb-min-nodes"), job)).toEqual([]);
  });
});

describe("seaweedfs-master-quorum", () => {
  it("passes three masters listing three peers, and one master", async () => {
    expect(await resourceMessages(rule("seaweedfs-master-quorum"), seaweedMaster(3))).toEqual([]);
    expect(await resourceMessages(rule("seaweedfs-master-quorum"), seaweedMaster(1, "000"))).toEqual([]);
  });

  it("fires on an even count and on a peer list that does not match", async () => {
    expect(await resourceMessages(rule("seaweedfs-master-quorum"), seaweedMaster(2, "000"))).toEqual([
      'SeaweedFS master StatefulSet "vsekai-seaweedfs-master" runs 2 masters; raft needs an odd number',
    ]);
    expect(
      await resourceMessages(rule("seaweedfs-master-quorum"), seaweedMaster(3, "001", masterPeerList(5))),
    ).toEqual([
      'SeaweedFS master StatefulSet "vsekai-seaweedfs-master" lists 5 masters in -peers but runs 3',
    ]);
  });
});

describe("seaweedfs-replication", () => {
  it("reads xyz", () => {
    expect(replicationNeeds("001")).toEqual({ x: 0, y: 0, z: 1, servers: 2 });
    expect(replicationNeeds("210")).toEqual({ x: 2, y: 1, z: 0, servers: 4 });
    expect(replicationNeeds("01")).toBeUndefined();
  });

  it("passes 001 with three volume servers", async () => {
    expect(
      await stackViolations(rule("seaweedfs-replication"), [seaweedMaster(3, "001"), seaweedVolume(3)]),
    ).toEqual([]);
  });

  it("fires when there are too few volume servers (001 needs two)", async () => {
    const master = seaweedMaster(3, "001");
    expect(await stackViolations(rule("seaweedfs-replication"), [master, seaweedVolume(1)])).toEqual([
      {
        message: '-defaultReplication "001" needs 2 volume servers, but the stack runs 1',
        urn: urnOf(master),
      },
    ]);
  });

  it("fires on copies across racks or data centers without that topology", async () => {
    const found = await stackViolations(rule("seaweedfs-replication"), [
      seaweedMaster(3, "110"),
      seaweedVolume(3),
    ]);
    expect(found.map((v) => v.message)).toEqual([
      '-defaultReplication "110" puts copies in other data centers, but no volume server sets -dataCenter',
      '-defaultReplication "110" puts copies on other racks, but no volume server sets -rack',
    ]);
    const withRacks = [seaweedMaster(3, "010"), seaweedVolume(3, ["-rack=rack1"])];
    expect(await stackViolations(rule("seaweedfs-replication"), withRacks)).toEqual([]);
  });

  it("fires on a setting that is not three digits", async () => {
    const found = await stackViolations(rule("seaweedfs-replication"), [
      seaweedMaster(3, "2"),
      seaweedVolume(3),
    ]);
    expect(found.map((v) => v.message)).toEqual([
      '-defaultReplication "2" is not three digits xyz (other data centers, other racks, same rack)',
    ]);
  });
});
