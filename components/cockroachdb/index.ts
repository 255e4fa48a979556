export {
  CockroachCluster,
  CERT_HASH_ANNOTATION,
  PASSWORD_HASH_ANNOTATION,
  type CockroachClusterArgs,
} from "./component.ts";
export { MIN_NODE_MEMORY_MIB, nodeMemoryProblem } from "./memory.ts";
export { nodeCountProblem } from "./scaling.ts";
export { DATA_CLAIM as COCKROACH_DATA_CLAIM, clusterNames, type ClusterNames } from "./topology.ts";
