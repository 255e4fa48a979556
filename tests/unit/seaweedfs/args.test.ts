import { describe, expect, it } from "vitest";
import { filerArgs, masterArgs, s3Args, volumeArgs } from "../../../components/seaweedfs/args.ts";
import { MASTER_FQDNS } from "./fixtures.ts";

const MASTERS_FLAG = MASTER_FQDNS.join(",");

describe("weed command lines", () => {
  it("starts a master with every peer, its own FQDN, metadata on the PVC, and the cluster defaults", () => {
    expect(
      masterArgs({
        peers: MASTER_FQDNS,
        peersFqdn: "vsekai-seaweedfs-master-peers.vsekai-test.svc.cluster.local",
        volumeSizeLimitMB: 4096,
        replication: "001",
      }),
    ).toEqual([
      "-logtostderr=true",
      "master",
      "-port=9333",
      "-port.grpc=19333",
      "-ip=$(POD_NAME).vsekai-seaweedfs-master-peers.vsekai-test.svc.cluster.local",
      "-ip.bind=0.0.0.0",
      "-mdir=/data",
      `-peers=${MASTERS_FLAG}`,
      "-volumeSizeLimitMB=4096",
      "-defaultReplication=001",
      "-electionTimeout=3s",
      "-metricsPort=9327",
      "-telemetry=false",
    ]);
  });

  it("spells the master's -ip exactly like its own entry in -peers, so it does not count itself twice", () => {
    const peersFqdn = "vsekai-seaweedfs-master-peers.vsekai-test.svc.cluster.local";
    const args = masterArgs({ peers: MASTER_FQDNS, peersFqdn, volumeSizeLimitMB: 256, replication: "000" });
    const ip = (args.find((a) => a.startsWith("-ip=")) ?? "").slice("-ip=".length);
    for (const [ordinal, peer] of MASTER_FQDNS.entries()) {
      expect(`${ip.replace("$(POD_NAME)", `vsekai-seaweedfs-master-${ordinal}`)}:9333`).toBe(peer);
    }
  });

  it("starts a volume server with its slots, the PVC, all masters and its own FQDN", () => {
    expect(
      volumeArgs({
        masters: MASTER_FQDNS,
        peersFqdn: "vsekai-seaweedfs-volume-peers.vsekai-test.svc.cluster.local",
        maxVolumes: 23,
      }),
    ).toEqual([
      "-logtostderr=true",
      "volume",
      "-port=8080",
      "-port.grpc=18080",
      "-ip=$(POD_NAME).vsekai-seaweedfs-volume-peers.vsekai-test.svc.cluster.local",
      "-ip.bind=0.0.0.0",
      "-dir=/data",
      "-max=23",
      `-mserver=${MASTERS_FLAG}`,
      "-preStopSeconds=10",
      "-metricsPort=9327",
    ]);
  });

  it("refuses a volume server without slots or masters", () => {
    const peersFqdn = "v.ns.svc.cluster.local";
    expect(() => volumeArgs({ masters: MASTER_FQDNS, peersFqdn, maxVolumes: 0 })).toThrow(
      "seaweedfs.maxVolumes: 0 is not allowed: at least 1",
    );
    expect(() => volumeArgs({ masters: [], peersFqdn, maxVolumes: 3 })).toThrow("master list");
    expect(() => masterArgs({ peers: [], peersFqdn, volumeSizeLimitMB: 1, replication: "000" })).toThrow(
      "peer list",
    );
    expect(() => filerArgs([])).toThrow("master list");
  });

  it("starts a filer on its pod IP with all masters (its store comes from filer.toml)", () => {
    expect(filerArgs(MASTER_FQDNS)).toEqual([
      "-logtostderr=true",
      "filer",
      "-port=8888",
      "-port.grpc=18888",
      "-ip=$(POD_IP)",
      "-ip.bind=0.0.0.0",
      `-master=${MASTERS_FLAG}`,
      "-metricsPort=9327",
    ]);
  });

  it("starts the S3 gateway on 8333 against the filer Service with the identities file", () => {
    expect(s3Args("vsekai-seaweedfs-filer.vsekai-test.svc.cluster.local:8888")).toEqual([
      "-logtostderr=true",
      "s3",
      "-port=8333",
      "-filer=vsekai-seaweedfs-filer.vsekai-test.svc.cluster.local:8888",
      "-config=/etc/seaweedfs/s3/identities.json",
      "-metricsPort=9327",
    ]);
  });
});
