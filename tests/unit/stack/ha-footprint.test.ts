import { describe, expect, it } from "vitest";
import { quantityNanos } from "../../../components/config/kubernetes-quantity.ts";
import { resolveStackConfig } from "../../../components/config/resolve.ts";
import { memoryBytes } from "../../../components/shared/quantity.ts";
import { VSekaiStack } from "../../../components/stack/component.ts";
import { ingressControllerManifests } from "../../../tools/stack/ingress-controller.ts";
import { standinStatefulSet } from "../../../tools/stack/sql-standin.ts";
import { installMocks, settle, valueOf } from "../harness.ts";
import { stackFileConfig } from "./stack-files.ts";

// Pulumi.ha.yaml states what the HA stack requests, so a reader can see it fits a 2-core, 24 GiB machine
// beside the cluster. These are those figures, added up from what the program really declares.

interface PodSpecLike {
  containers: { resources?: { requests?: Record<string, string> } }[];
}
interface WorkloadLike {
  spec?: { replicas?: number; template?: { spec?: PodSpecLike } };
}

interface Footprint {
  cpuMillis: number;
  memoryMiB: number;
}

function add(total: Footprint, workload: WorkloadLike): Footprint {
  const replicas = workload.spec?.replicas ?? 1;
  for (const c of workload.spec?.template?.spec?.containers ?? []) {
    const cpu = Number(quantityNanos(c.resources?.requests?.cpu ?? "0") ?? 0n) / 1e6;
    const memory = (memoryBytes(c.resources?.requests?.memory ?? "0") ?? 0) / 1024 ** 2;
    total = { cpuMillis: total.cpuMillis + replicas * cpu, memoryMiB: total.memoryMiB + replicas * memory };
  }
  return total;
}

/** Long-running containers only: Deployments and StatefulSets, init containers and Jobs left out. */
async function footprint(raw: Record<string, unknown>): Promise<Footprint> {
  const mocks = installMocks("vsekai-infra", "ha");
  const stack = new VSekaiStack("vsekai", resolveStackConfig(raw, "ha"));
  await valueOf(stack.appUrl);
  await settle();
  return mocks.resources
    .filter((r) => ["kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet"].includes(r.type))
    .reduce((total, r) => add(total, r.inputs as WorkloadLike), { cpuMillis: 0, memoryMiB: 0 });
}

describe("the HA stack's footprint, as Pulumi.ha.yaml states it", () => {
  it("requests 935m and 7472Mi with CockroachDB", async () => {
    expect(await footprint(stackFileConfig("ha"))).toEqual({ cpuMillis: 935, memoryMiB: 7472 });
  });

  it("requests 710m and 4400Mi on the PostgreSQL stand-in, which adds 100m and 256Mi", async () => {
    const external = {
      ...stackFileConfig("ha"),
      cockroach: { mode: "external" },
      databaseUrl: "postgres://uro:pw@postgres-standin.vsekai-ha-sql-standin.svc.cluster.local:5432/uro",
      filerDatabaseUrl:
        "postgres://seaweedfs:pw@postgres-standin.vsekai-ha-sql-standin.svc.cluster.local:5432/seaweedfs",
    };
    expect(await footprint(external)).toEqual({ cpuMillis: 710, memoryMiB: 4400 });
    expect(add({ cpuMillis: 0, memoryMiB: 0 }, standinStatefulSet() as WorkloadLike)).toEqual({
      cpuMillis: 100,
      memoryMiB: 256,
    });
  });

  it("has the ingress controller add 50m and 128Mi", () => {
    const deployment = ingressControllerManifests({ image: "x", replicas: 1 }).find(
      (m) => m.kind === "Deployment",
    );
    expect(add({ cpuMillis: 0, memoryMiB: 0 }, deployment as WorkloadLike)).toEqual({
      cpuMillis: 50,
      memoryMiB: 128,
    });
  });
});
