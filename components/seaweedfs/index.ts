export { S3_REGION, SeaweedfsCluster, type SeaweedfsClusterArgs } from "./component.ts";
export { seaweedfsFlows, type SeaweedfsPeers } from "./flows.ts";
export { CONFIG_HASH_ANNOTATION } from "./workloads.ts";
export { bucketNameProblem } from "../config/bucket-name.ts";
export {
  copyCount,
  defaultReplication,
  parseReplication,
  replicationProblem,
} from "../config/seaweedfs-replication.ts";
export { fittingVolumes, maxVolumesProblem } from "../config/seaweedfs-sizing.ts";
export { DATA_CLAIM, seaweedfsNames, type SeaweedfsNames } from "./topology.ts";
