import { TEST_PLACEMENT } from "../harness.ts";
import * as pulumi from "@pulumi/pulumi";
import type { SeaweedfsSettings } from "../../../components/config/types.ts";
import type { SeaweedfsClusterArgs } from "../../../components/seaweedfs/index.ts";
import { seaweedfsNames } from "../../../components/seaweedfs/index.ts";
import type { SqlConnection, SqlEndpoint } from "../../../components/shared/endpoints.ts";
import type { SeaweedfsAddress } from "../../../components/seaweedfs/topology.ts";

/** Production-shaped settings (staging's profile), overridable per test. */
export function seaweedfsSettings(overrides: Partial<SeaweedfsSettings> = {}): SeaweedfsSettings {
  return {
    image: "chrislusf/seaweedfs:4.01",
    masters: 3,
    masterResources: { cpu: "250m", memory: "512Mi" },
    masterStorage: { size: "1Gi", storageClass: "fast-ssd" },
    volumeServers: 3,
    volumeResources: { cpu: "500m", memory: "1Gi" },
    volumeStorage: { size: "100Gi", storageClass: "fast-ssd" },
    volumeSizeLimitMB: 4096,
    maxVolumes: 23,
    replication: "001",
    filerReplicas: 2,
    filerResources: { cpu: "250m", memory: "512Mi" },
    s3Replicas: 2,
    s3Resources: { cpu: "250m", memory: "512Mi", cpuLimit: "1" },
    bucket: "uro",
    s3KeyGeneration: 0,
    s3RetirePreviousKeys: false,
    ...overrides,
  };
}

export const FILER_PASSWORD = "filer-pw-0123456789abcdef";

export function filerConnection(overrides: Partial<SqlConnection> = {}): SqlConnection {
  return {
    host: "vsekai-cockroachdb-public.vsekai-test.svc.cluster.local",
    port: 26257,
    user: "seaweedfs",
    password: FILER_PASSWORD,
    database: "seaweedfs",
    sslmode: "verify-full",
    ...overrides,
  };
}

/** A CockroachDB-like endpoint in the namespace, with TLS and a CA Secret. */
export function sqlEndpoint(overrides: Partial<SqlEndpoint> = {}): SqlEndpoint {
  return {
    host: pulumi.output("vsekai-cockroachdb-public.vsekai-test.svc.cluster.local"),
    port: 26257,
    appUrl: pulumi.secret("postgresql://uro:pw@vsekai-cockroachdb-public:26257/uro?sslmode=verify-full"),
    filerConnection: pulumi.secret(filerConnection()),
    caSecretName: pulumi.output("vsekai-cockroachdb-ca"),
    peer: { name: "cockroachdb", selector: { "app.kubernetes.io/name": "cockroachdb" } },
    ready: [],
    ...overrides,
  };
}

export function clusterArgs(
  overrides: Partial<SeaweedfsSettings> = {},
  sql: Partial<SqlEndpoint> = {},
): SeaweedfsClusterArgs {
  return {
    settings: seaweedfsSettings(overrides),
    sql: sqlEndpoint(sql),
    ...TEST_PLACEMENT,
    protectData: false,
  };
}

export const ADDRESS: SeaweedfsAddress = {
  names: seaweedfsNames("vsekai"),
  namespace: "vsekai-test",
  clusterDomain: "cluster.local",
};

export const MASTER_FQDNS = [0, 1, 2].map(
  (n) => `vsekai-seaweedfs-master-${n}.vsekai-seaweedfs-master-peers.vsekai-test.svc.cluster.local:9333`,
);
