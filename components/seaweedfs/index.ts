export {
  ACCESS_KEY_ID_KEY,
  CONFIG_HASH_ANNOTATION,
  S3_REGION,
  SECRET_ACCESS_KEY_KEY,
  SeaweedfsCluster,
  seaweedfsFlows,
  type SeaweedfsClusterArgs,
  type SeaweedfsPeers,
} from "./component.ts";
export { bucketNameProblem } from "./bucket.ts";
export { copyCount, defaultReplication, parseReplication, replicationProblem } from "./replication.ts";
export { fittingVolumes, maxVolumesProblem } from "./sizing.ts";
export { seaweedfsNames, type SeaweedfsNames } from "./topology.ts";
