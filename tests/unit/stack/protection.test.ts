import { describe, expect, it } from "vitest";
import type { MockState } from "../harness.ts";
import { declaredStack } from "./stack-files.ts";

// Which objects each committed stack registers protected (protect, retainOnDelete), read from the
// registration requests the engine would get: exactly the namespace and the data-holding StatefulSets, and
// only where protectData is on.

const registered = declaredStack;

/** type::name of every resource registered with protect, and of every one with retainOnDelete. */
function protectedNames(mocks: MockState): { protect: string[]; retainOnDelete: string[] } {
  const id = (r: { type: string; name: string }) => `${r.type}::${r.name}`;
  return {
    protect: mocks.resources.filter((r) => r.protect).map(id),
    retainOnDelete: mocks.resources.filter((r) => r.retainOnDelete).map(id),
  };
}

const DATA_HOLDERS = [
  "kubernetes:core/v1:Namespace::network-namespace",
  "kubernetes:apps/v1:StatefulSet::cockroachdb-nodes",
  "kubernetes:apps/v1:StatefulSet::seaweedfs-master",
  "kubernetes:apps/v1:StatefulSet::seaweedfs-volume",
];

describe.each(["staging", "prod"])("the committed %s stack", (stack) => {
  it("protects the namespace and the data-holding StatefulSets, and keeps the namespace on delete", async () => {
    const found = protectedNames(await registered(stack));
    expect(found.protect.sort()).toEqual([...DATA_HOLDERS].sort());
    expect(found.retainOnDelete).toEqual(["kubernetes:core/v1:Namespace::network-namespace"]);
  });

  it("protects nothing once protectData is turned off on purpose", async () => {
    expect(protectedNames(await registered(stack, { protectData: false }))).toEqual({
      protect: [],
      retainOnDelete: [],
    });
  });
});

describe("the committed dev stack", () => {
  it("protects nothing, so it can be destroyed at will", async () => {
    const mocks = await registered("dev");
    expect(mocks.resources.length).toBeGreaterThan(40);
    expect(protectedNames(mocks)).toEqual({ protect: [], retainOnDelete: [] });
  });

  it("protects the same objects as prod when asked to", async () => {
    const found = protectedNames(await registered("dev", { protectData: true }));
    expect(found.protect.sort()).toEqual([...DATA_HOLDERS].sort());
  });
});

describe("a prod stack on an external SQL database", () => {
  it("protects the SeaweedFS StatefulSets and the namespace (there is no CockroachDB to protect)", async () => {
    const found = protectedNames(
      await registered("prod", {
        cockroach: { mode: "external" },
        databaseUrl: "postgresql://uro:pw@db.example.org:26257/uro?sslmode=verify-full",
        filerDatabaseUrl: "postgresql://seaweedfs:pw@db.example.org:26257/seaweedfs?sslmode=verify-full",
      }),
    );
    expect(found.protect.sort()).toEqual(DATA_HOLDERS.filter((n) => !n.includes("cockroachdb")).sort());
  });
});

describe("the recorded registrations", () => {
  it("keep every SeaweedFS object a child of the SeaweedfsCluster, whichever file declares it", async () => {
    const mocks = await registered("prod");
    const seaweedfs = mocks.resources.filter((r) => r.name.startsWith("seaweedfs-"));
    expect(seaweedfs.length).toBeGreaterThan(15);
    const parents = new Set(seaweedfs.map((r) => r.parent));
    expect([...parents]).toEqual([
      "urn:pulumi:prod::vsekai-infra::vsekai:stack:VSekaiStack$vsekai:seaweedfs:SeaweedfsCluster::seaweedfs",
    ]);
  });
});
