import { describe, expect, it } from "vitest";
import {
  filerAddress,
  masterPeers,
  masterPodFqdn,
  s3Url,
  seaweedfsNames,
  volumePeersFqdn,
} from "../../../components/seaweedfs/topology.ts";
import { ADDRESS, MASTER_FQDNS } from "./fixtures.ts";

describe("SeaweedFS names and addresses", () => {
  it("derives every object name from the prefix", () => {
    expect(seaweedfsNames("stage")).toEqual({
      master: "stage-seaweedfs-master",
      masterPeersService: "stage-seaweedfs-master-peers",
      masterService: "stage-seaweedfs-master",
      volume: "stage-seaweedfs-volume",
      volumePeersService: "stage-seaweedfs-volume-peers",
      filer: "stage-seaweedfs-filer",
      filerService: "stage-seaweedfs-filer",
      filerConfigSecret: "stage-seaweedfs-filer-config",
      s3: "stage-seaweedfs-s3",
      s3Service: "stage-seaweedfs-s3",
      s3IdentitiesSecret: "stage-seaweedfs-s3-identities",
      s3PodsService: "stage-seaweedfs-s3-pods",
      s3KeysJob: "stage-seaweedfs-s3-keys",
      s3CredentialsSecret: "stage-seaweedfs-app-s3",
      bucketJob: "stage-seaweedfs-bucket",
      evacuateJob: "stage-seaweedfs-volume-evacuate",
      backup: "stage-seaweedfs-backup",
      backupConfig: "stage-seaweedfs-backup-config",
      restoreJob: "stage-seaweedfs-restore",
    });
  });

  it("lists every master by pod FQDN and HTTP port, for any odd count", () => {
    expect(masterPeers(ADDRESS, 3)).toEqual(MASTER_FQDNS);
    expect(masterPeers(ADDRESS, 1)).toEqual([MASTER_FQDNS[0]]);
    const five = masterPeers(ADDRESS, 5);
    expect(five).toHaveLength(5);
    expect(five[4]).toBe(
      "vsekai-seaweedfs-master-4.vsekai-seaweedfs-master-peers.vsekai-test.svc.cluster.local:9333",
    );
    expect(new Set(five).size).toBe(5);
  });

  it("refuses a master count raft cannot use", () => {
    for (const bad of [0, 2, 4, -1, 1.5]) {
      expect(() => masterPeers(ADDRESS, bad), String(bad)).toThrow(
        `seaweedfs.masters: ${bad} is not allowed: raft needs an odd number of masters (1, 3, 5…)`,
      );
    }
  });

  it("gives pods, the filer and the gateway fully-qualified addresses in the stack's domain", () => {
    const other = { ...ADDRESS, namespace: "prod", clusterDomain: "k8s.example" };
    expect(masterPodFqdn(other, 2)).toBe(
      "vsekai-seaweedfs-master-2.vsekai-seaweedfs-master-peers.prod.svc.k8s.example",
    );
    expect(volumePeersFqdn(other)).toBe("vsekai-seaweedfs-volume-peers.prod.svc.k8s.example");
    expect(filerAddress(other)).toBe("vsekai-seaweedfs-filer.prod.svc.k8s.example:8888");
    expect(s3Url(ADDRESS)).toBe("http://vsekai-seaweedfs-s3.vsekai-test.svc.cluster.local:8333");
  });
});
