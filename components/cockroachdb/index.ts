export {
  CockroachCluster,
  CERT_HASH_ANNOTATION,
  PASSWORD_HASH_ANNOTATION,
  type CockroachClusterArgs,
} from "./component.ts";
export { MIN_NODE_MEMORY_MIB, nodeMemoryProblem } from "./memory.ts";
export { nodeCountProblem } from "./scaling.ts";
export { clusterNames, type ClusterNames } from "./topology.ts";
