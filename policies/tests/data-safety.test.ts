import { describe, expect, it } from "vitest";
import { cockroachMemoryBytes } from "../rules/data-safety.ts";
import { resourceMessages, stackViolations, urnOf, type PackConfig, type TestResource } from "../testing.ts";
import {
  cockroachInitJob,
  cockroachStatefulSet,
  firstContainer,
  modified,
  namespace,
  NS,
  podSpecOf,
  seaweedMaster,
  seaweedVolume,
  TYPES,
} from "./fixtures.ts";
import { rule, type Props } from "./helpers.ts";

const args = (p: Props) => firstContainer(p).args as string[];
const replaceArg = (prefix: string, value: string) => (p: Props) => {
  const list = args(p);
  list[list.findIndex((a) => a.startsWith(prefix))] = value;
};

describe("stateful-data-on-pvc", () => {
  it("passes our CockroachDB and SeaweedFS StatefulSets (claim templates)", async () => {
    for (const r of [cockroachStatefulSet(), seaweedMaster(), seaweedVolume()]) {
      expect(await resourceMessages(rule("stateful-data-on-pvc"), r)).toEqual([]);
    }
  });

  it("fires on an emptyDir, a hostPath and no mount at all", async () => {
    const onEmptyDir = modified(seaweedVolume(), (p) => {
      (p.spec as Props).volumeClaimTemplates = [];
      (podSpecOf(p).volumes as Props[]).push({ name: "data", emptyDir: {} });
    });
    expect(await resourceMessages(rule("stateful-data-on-pvc"), onEmptyDir)).toEqual([
      'container "volume" keeps weed volume data (-dir /data) on emptyDir volume "data"; use a PersistentVolumeClaim',
    ]);
    const onHost = modified(seaweedMaster(), (p) => {
      (p.spec as Props).volumeClaimTemplates = [];
      (podSpecOf(p).volumes as Props[]).push({ name: "data", hostPath: { path: "/srv/weed" } });
    });
    expect(await resourceMessages(rule("stateful-data-on-pvc"), onHost)).toEqual([
      'container "master" keeps weed master data (-mdir /data) on hostPath volume "data"; use a PersistentVolumeClaim',
    ]);
    const unmounted = modified(cockroachStatefulSet(), (p) => {
      firstContainer(p).volumeMounts = [{ name: "tmp", mountPath: "/tmp" }];
    });
    expect(await resourceMessages(rule("stateful-data-on-pvc"), unmounted)).toEqual([
      'container "cockroachdb" keeps cockroach data (--store /cockroach/cockroach-data) on the container\'s own ' +
        "filesystem; mount a PersistentVolumeClaim there",
    ]);
  });

  it("accepts a PVC volume in a plain pod spec", async () => {
    const pvc = modified(seaweedVolume(), (p) => {
      (p.spec as Props).volumeClaimTemplates = [];
      (podSpecOf(p).volumes as Props[]).push({ name: "data", persistentVolumeClaim: { claimName: "weed" } });
    });
    expect(await resourceMessages(rule("stateful-data-on-pvc"), pvc)).toEqual([]);
  });
});

describe("cockroachdb-insecure", () => {
  it("passes TLS nodes and client Jobs in prod, and insecure ones in dev", async () => {
    expect(await resourceMessages(rule("cockroachdb-insecure"), cockroachStatefulSet())).toEqual([]);
    expect(await resourceMessages(rule("cockroachdb-insecure"), cockroachInitJob())).toEqual([]);
    const dev = { "cockroachdb-insecure": { environment: "dev" } };
    expect(
      await resourceMessages(rule("cockroachdb-insecure"), cockroachStatefulSet({ tls: false }), dev),
    ).toEqual([]);
  });

  it("fires on --insecure in the node args and in the init Job's script", async () => {
    expect(
      await resourceMessages(rule("cockroachdb-insecure"), cockroachStatefulSet({ tls: false })),
    ).toEqual(['container "cockroachdb" runs cockroach start with --insecure, not allowed in prod']);
    const staging = { "cockroachdb-insecure": { environment: "staging" } };
    expect(await resourceMessages(rule("cockroachdb-insecure"), cockroachInitJob(false), staging)).toEqual([
      'container "init" runs cockroach init with --insecure, not allowed in staging',
      'container "init" runs cockroach sql with --insecure, not allowed in staging',
    ]);
  });
});

describe("cockroachdb-memory-flags", () => {
  it("reads sizes and shares the way cockroach does", () => {
    const gib = 1024 ** 3;
    expect(cockroachMemoryBytes("25%", 4 * gib)).toBe(gib);
    expect(cockroachMemoryBytes(".25", 4 * gib)).toBe(gib);
    expect(cockroachMemoryBytes("1024MiB", 4 * gib)).toBe(gib);
    expect(cockroachMemoryBytes("1GB", 4 * gib)).toBe(1e9);
    expect(cockroachMemoryBytes("lots", 4 * gib)).toBeUndefined();
  });

  it("passes our quarter-each sizing at every profile's memory", async () => {
    for (const memory of ["2Gi", "4Gi", "8Gi"]) {
      expect(
        await resourceMessages(rule("cockroachdb-memory-flags"), cockroachStatefulSet({ memory })),
      ).toEqual([]);
    }
  });

  it("fires when cache and SQL memory exceed 80% of the limit, in sizes or percentages", async () => {
    const big = modified(cockroachStatefulSet(), replaceArg("--cache=", "--cache=3GiB"));
    expect(await resourceMessages(rule("cockroachdb-memory-flags"), big)).toEqual([
      'container "cockroachdb" gives --cache=3GiB and --max-sql-memory=1024MiB 4096MiB together, more than 80% ' +
        "of its 4Gi memory limit (3276MiB)",
    ]);
    const shares = modified(cockroachStatefulSet(), (p) => {
      replaceArg("--cache=", "--cache=.5")(p);
      replaceArg("--max-sql-memory=", "--max-sql-memory=40%")(p);
    });
    expect(await resourceMessages(rule("cockroachdb-memory-flags"), shares)).toEqual([
      'container "cockroachdb" gives --cache=.5 and --max-sql-memory=40% 3686MiB together, more than 80% ' +
        "of its 4Gi memory limit (3276MiB)",
    ]);
  });

  it("fires without a memory limit, and on a flag it cannot read", async () => {
    const unlimited = modified(
      cockroachStatefulSet(),
      (p) => delete (firstContainer(p).resources as Props).limits,
    );
    expect(await resourceMessages(rule("cockroachdb-memory-flags"), unlimited)).toEqual([
      'container "cockroachdb" has no memory limit to size --cache and --max-sql-memory against',
    ]);
    const odd = modified(cockroachStatefulSet(), replaceArg("--cache=", "--cache=lots"));
    expect(await resourceMessages(rule("cockroachdb-memory-flags"), odd)).toEqual([
      'container "cockroachdb" sets --cache=lots, which is neither a size nor a share of memory',
    ]);
  });
});

describe("retain-data-in-prod", () => {
  const storageClass = (reclaimPolicy?: string) => ({
    type: TYPES.storageClass,
    name: "fast",
    props: {
      metadata: { name: "fast" },
      provisioner: "csi.example",
      ...(reclaimPolicy ? { reclaimPolicy } : {}),
    },
  });

  it("passes Retain everywhere, and anything outside prod", async () => {
    expect(await resourceMessages(rule("retain-data-in-prod"), cockroachStatefulSet())).toEqual([]);
    expect(await resourceMessages(rule("retain-data-in-prod"), storageClass("Retain"))).toEqual([]);
    const staging = { "retain-data-in-prod": { environment: "staging" } };
    expect(await resourceMessages(rule("retain-data-in-prod"), storageClass("Delete"), staging)).toEqual([]);
  });

  it("fires on deleting storage classes, volumes and claim retention in prod", async () => {
    expect(await resourceMessages(rule("retain-data-in-prod"), storageClass("Delete"))).toEqual([
      'StorageClass "fast" deletes volumes with their claims (reclaimPolicy Delete)',
    ]);
    expect(await resourceMessages(rule("retain-data-in-prod"), storageClass())).toEqual([
      'StorageClass "fast" sets no reclaimPolicy, so its volumes are deleted with their claims',
    ]);
    const pv = {
      type: TYPES.persistentVolume,
      name: "pv",
      props: { metadata: { name: "pv-1" }, spec: { persistentVolumeReclaimPolicy: "Delete" } },
    };
    expect(await resourceMessages(rule("retain-data-in-prod"), pv)).toEqual([
      'PersistentVolume "pv-1" is deleted with its claim (persistentVolumeReclaimPolicy Delete)',
    ]);
    const deleting = modified(cockroachStatefulSet(), (p) => {
      (p.spec as Props).persistentVolumeClaimRetentionPolicy = {
        whenDeleted: "Delete",
        whenScaled: "Retain",
      };
    });
    expect(await resourceMessages(rule("retain-data-in-prod"), deleting)).toEqual([
      'StatefulSet "vsekai-cockroachdb" deletes its PersistentVolumeClaims (persistentVolumeClaimRetentionPolicy.whenDeleted Delete)',
    ]);
  });
});

describe("protect-stateful-data", () => {
  const check = (r: TestResource, config?: PackConfig) =>
    resourceMessages(rule("protect-stateful-data"), r, config);
  const unprotected = (r: TestResource): TestResource => ({ ...r, opts: { protect: false } });
  const claim: TestResource = {
    type: "kubernetes:core/v1:PersistentVolumeClaim",
    name: "uploads",
    props: {
      metadata: { name: "vsekai-uploads", namespace: NS },
      spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "10Gi" } } },
    },
  };

  it("passes our protected StatefulSets and a protected claim, and workloads that keep no claims", async () => {
    for (const r of [cockroachStatefulSet(), seaweedMaster(), seaweedVolume()])
      expect(await check(r)).toEqual([]);
    expect(await check({ ...claim, opts: { protect: true } })).toEqual([]);
    const claimless = modified(unprotected(seaweedVolume()), (p) => {
      (p.spec as Props).volumeClaimTemplates = [];
    });
    expect(await check(claimless)).toEqual([]);
    expect(await check(unprotected(cockroachInitJob()))).toEqual([]);
  });

  it("stays quiet in dev, where the stack protects nothing", async () => {
    const dev = { "protect-stateful-data": { environment: "dev" } };
    expect(await check(unprotected(cockroachStatefulSet()), dev)).toEqual([]);
    expect(await check(claim, dev)).toEqual([]);
  });

  it("fires on an unprotected StatefulSet with claims and an unprotected claim, naming the environment", async () => {
    expect(await check(unprotected(cockroachStatefulSet()))).toEqual([
      'StatefulSet "vsekai-cockroachdb" keeps data on its claims (datadir) and is not protected: in prod its ' +
        "replacement (a changed claim template) or deletion (a rename, a removal, pulumi destroy) would go " +
        "ahead; register it with protect (vsekai-infra:protectData: true)",
    ]);
    const staging = { "protect-stateful-data": { environment: "staging" } };
    expect(await check(claim, staging)).toEqual([
      'PersistentVolumeClaim "vsekai-uploads" is not protected: in staging its replacement (a changed claim ' +
        "template) or deletion (a rename, a removal, pulumi destroy) would go ahead; register it with protect " +
        "(vsekai-infra:protectData: true)",
    ]);
  });

  it("fires on deleteBeforeReplace, protected or not", async () => {
    const replaceable = { ...seaweedVolume(), opts: { protect: true, deleteBeforeReplace: true } };
    expect(await check(replaceable)).toEqual([
      'StatefulSet "vsekai-seaweedfs-volume" asks for deleteBeforeReplace: a replacement would delete it, and ' +
        "stop its pods, before its successor exists; leave the option unset",
    ]);
  });
});

describe("protect-data-namespace", () => {
  const check = (resources: TestResource[], config?: PackConfig) =>
    stackViolations(rule("protect-data-namespace"), resources, config);
  const unprotected = (r: TestResource): TestResource => ({ ...r, opts: { protect: false } });

  it("passes a protected namespace, and an unprotected one that holds no data", async () => {
    expect(await check([namespace(), cockroachStatefulSet(), seaweedVolume()])).toEqual([]);
    expect(await check([unprotected(namespace("tools")), cockroachStatefulSet()])).toEqual([]);
  });

  it("stays quiet in dev", async () => {
    const dev = { "protect-data-namespace": { environment: "dev" } };
    expect(await check([unprotected(namespace()), cockroachStatefulSet()], dev)).toEqual([]);
  });

  it("fires on an unprotected namespace holding StatefulSets' claims, naming each holder", async () => {
    const ns = unprotected(namespace());
    expect(await check([seaweedVolume(), ns, cockroachStatefulSet()])).toEqual([
      {
        message:
          'Namespace "vsekai-prod" holds the data of StatefulSet "vsekai-cockroachdb", StatefulSet ' +
          '"vsekai-seaweedfs-volume" and is not protected: in prod deleting it deletes every claim in it; ' +
          "register it with protect (vsekai-infra:protectData: true)",
        urn: urnOf(ns),
      },
    ]);
  });
});
