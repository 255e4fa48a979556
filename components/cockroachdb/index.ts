export { CockroachCluster, CERT_HASH_ANNOTATION, type CockroachClusterArgs } from "./component.ts";
export { PASSWORD_HASH_ANNOTATION } from "./init-job.ts";
export { MIN_NODE_MEMORY_MIB, nodeCountProblem, nodeMemoryProblem } from "../config/cockroach-rules.ts";
export { DATA_CLAIM as COCKROACH_DATA_CLAIM, clusterNames, type ClusterNames } from "./topology.ts";
