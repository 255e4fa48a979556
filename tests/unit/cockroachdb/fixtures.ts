import { TEST_PLACEMENT } from "../harness.ts";
import type { CockroachClusterSettings } from "../../../components/config/types.ts";
import type { CockroachClusterArgs } from "../../../components/cockroachdb/index.ts";
import { clusterNames } from "../../../components/cockroachdb/index.ts";
import type { ClusterAddress } from "../../../components/cockroachdb/topology.ts";

export function clusterSettings(overrides: Partial<CockroachClusterSettings> = {}): CockroachClusterSettings {
  return {
    mode: "cluster",
    image: "cockroachdb/cockroach:v26.2.0",
    nodes: 3,
    storage: { size: "50Gi", storageClass: "fast-ssd" },
    resources: { cpu: "1", memory: "4Gi" },
    tls: true,
    database: "uro",
    user: "uro",
    filerDatabase: "seaweedfs",
    filerUser: "seaweedfs",
    certValidityDays: 730,
    certRenewBeforeDays: 60,
    finalizeUpgrade: false,
    appLoginGeneration: 0,
    retirePreviousAppLogins: false,
    ...overrides,
  };
}

export function clusterArgs(overrides: Partial<CockroachClusterSettings> = {}): CockroachClusterArgs {
  return {
    settings: clusterSettings(overrides),
    ...TEST_PLACEMENT,
    protectData: false,
  };
}

export const ADDRESS: ClusterAddress = {
  names: clusterNames("vsekai"),
  namespace: "vsekai-test",
  clusterDomain: "cluster.local",
};
