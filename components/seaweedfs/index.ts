export {
  CONFIG_HASH_ANNOTATION,
  S3_REGION,
  SeaweedfsCluster,
  seaweedfsFlows,
  type SeaweedfsClusterArgs,
  type SeaweedfsPeers,
} from "./component.ts";
export { bucketNameProblem } from "./bucket.ts";
export { copyCount, defaultReplication, parseReplication, replicationProblem } from "./replication.ts";
export { fittingVolumes, maxVolumesProblem } from "./sizing.ts";
export { seaweedfsNames, type SeaweedfsNames } from "./topology.ts";
