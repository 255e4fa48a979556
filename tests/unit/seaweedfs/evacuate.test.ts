import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { SERVERS_AT_OR_ABOVE_AWK, evacuateScript } from "../../../components/seaweedfs/evacuate.ts";

const STS = "vsekai-seaweedfs-volume";
const node = (ordinal: number) => `${STS}-${ordinal}.${STS}-peers.vsekai-ha.svc.cluster.local:8080`;

/** A `volume.list` listing as SeaweedFS 4.53 prints it: each server's DataNode line twice, volumes between. */
function listing(ordinals: number[]): string {
  return [
    "Topology volumeSizeLimit:256 MB hdd(volume:21/54 active:21 free:33 remote:0)",
    "  DataCenter DefaultDataCenter hdd(volume:21/54 active:21 free:33 remote:0)",
    "    Rack DefaultRack hdd(volume:21/54 active:21 free:33 remote:0)",
    ...ordinals.flatMap((n) => [
      `      DataNode ${node(n)} hdd(volume:7/18 active:7 free:11 remote:0)`,
      "        Disk hdd(volume:7/18 active:7 free:11 remote:0) id:0",
      "          volume id:1  size:1048 file_count:3  replica_placement:1  version:3  modified_at_second:1764770000",
      `      DataNode ${node(n)} total size:1048 file_count:3 `,
    ]),
  ].join("\n");
}

function serversAbove(text: string, keep: number, sts = STS): string[] {
  const run = spawnSync("awk", ["-v", `sts=${sts}`, "-v", `keep=${keep}`, SERVERS_AT_OR_ABOVE_AWK], {
    input: text,
    encoding: "utf8",
  });
  expect(run.status).toBe(0);
  return run.stdout.split("\n").filter((line) => line !== "");
}

describe("which volume servers the evacuation empties", () => {
  it("the servers at or above the new count, each once, by the address the master knows", () => {
    expect(serversAbove(listing([0, 1, 2]), 2)).toEqual([node(2)]);
    expect(serversAbove(listing([0, 1, 2, 3, 4]), 2)).toEqual([node(2), node(3), node(4)]);
  });

  it("none on a scale-up, an unchanged count, or a cluster without volume servers yet", () => {
    expect(serversAbove(listing([0, 1, 2]), 3)).toEqual([]);
    expect(serversAbove(listing([0, 1, 2]), 5)).toEqual([]);
    expect(serversAbove(listing([]), 1)).toEqual([]);
  });

  it("compares ordinals as numbers and ignores servers of another StatefulSet", () => {
    expect(serversAbove(listing([0, 1, 2, 10]), 3)).toEqual([node(10)]);
    expect(serversAbove(listing([0, 1, 2]), 1, "other-seaweedfs-volume")).toEqual([]);
    expect(serversAbove(listing([0, 1, 2]), 1, `${STS}-1`)).toEqual([]);
  });
});

describe("the evacuation script", () => {
  const options = {
    statefulSet: STS,
    keep: 2,
    masters: ["m-0:9333", "m-1:9333"],
    attempts: 3,
    shellTimeoutSeconds: 1800,
  };

  it("is valid sh that judges each step by a fresh listing, then makes the server leave and repairs copies", () => {
    const script = evacuateScript(options);
    expect(spawnSync("sh", ["-n", "-c", script]).status).toBe(0);
    expect(script).toContain("weed shell -master=m-0:9333,m-1:9333");
    expect(script).toContain("volumeServer.evacuate -node %s -apply");
    expect(script).toContain("volumeServer.leave -node %s -apply");
    expect(script).toContain("volume.fix.replication -apply");
    expect(script).toContain('echo "volume.list gave no topology: $listing" >&2');
  });

  it("refuses what it cannot put into a shell line", () => {
    expect(() => evacuateScript({ ...options, masters: [] })).toThrow(
      "the evacuation Job needs the master list",
    );
    expect(() => evacuateScript({ ...options, statefulSet: "x; rm -rf /" })).toThrow(
      '"x; rm -rf /" is not a StatefulSet name',
    );
    expect(() => evacuateScript({ ...options, keep: 0 })).toThrow(
      "keep must be a whole number from 1, not 0",
    );
  });
});
