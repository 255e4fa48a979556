import type { Environment } from "./types.ts";

// Per-environment defaults. dev is the local single-node cluster: one replica wherever that is safe, small
// volumes. staging and prod are production-shaped: three CockroachDB nodes and three raft masters (so one
// loss keeps quorum), replicated volumes, TLS, resources on every container. Only prod differs from
// staging in size, so a change tested on staging behaves the same on prod.

export const COCKROACH_IMAGE = "cockroachdb/cockroach:v26.2.0";
// 4.53 is the release of the SeaweedFS source the local images are built from (Go module commit 7506e5f).
export const SEAWEEDFS_IMAGE = "chrislusf/seaweedfs:4.53";

export interface Profile {
  cockroach: {
    nodes: number;
    storageSize: string;
    cpu: string;
    memory: string;
  };
  seaweedfs: {
    masters: number;
    volumeServers: number;
    volumeStorageSize: string;
    volumeSizeLimitMB: number;
    filerReplicas: number;
    s3Replicas: number;
    small: { cpu: string; memory: string };
    volume: { cpu: string; memory: string };
  };
  app: {
    replicas: number;
    cpu: string;
    memory: string;
  };
}

export const PROFILES: Record<Environment, Profile> = {
  dev: {
    cockroach: { nodes: 1, storageSize: "5Gi", cpu: "500m", memory: "2Gi" },
    seaweedfs: {
      masters: 1,
      volumeServers: 1,
      volumeStorageSize: "5Gi",
      volumeSizeLimitMB: 256,
      filerReplicas: 1,
      s3Replicas: 1,
      small: { cpu: "100m", memory: "256Mi" },
      volume: { cpu: "200m", memory: "512Mi" },
    },
    app: { replicas: 1, cpu: "250m", memory: "512Mi" },
  },
  staging: {
    cockroach: { nodes: 3, storageSize: "50Gi", cpu: "1", memory: "4Gi" },
    seaweedfs: {
      masters: 3,
      volumeServers: 3,
      volumeStorageSize: "100Gi",
      volumeSizeLimitMB: 4096,
      filerReplicas: 2,
      s3Replicas: 2,
      small: { cpu: "250m", memory: "512Mi" },
      volume: { cpu: "500m", memory: "1Gi" },
    },
    app: { replicas: 2, cpu: "500m", memory: "1Gi" },
  },
  prod: {
    cockroach: { nodes: 3, storageSize: "100Gi", cpu: "2", memory: "8Gi" },
    seaweedfs: {
      masters: 3,
      volumeServers: 3,
      volumeStorageSize: "500Gi",
      volumeSizeLimitMB: 8192,
      filerReplicas: 2,
      s3Replicas: 2,
      small: { cpu: "500m", memory: "1Gi" },
      volume: { cpu: "1", memory: "2Gi" },
    },
    app: { replicas: 3, cpu: "1", memory: "2Gi" },
  },
};
