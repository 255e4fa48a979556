import { describe, expect, it } from "vitest";
import {
  agreedLeader,
  electedLeader,
  underReplicatedVolumes,
  type RaftView,
} from "../../harness/seaweedfs-status.ts";

const view = (master: string, isLeader: boolean, leader: string): RaftView => ({ master, isLeader, leader });

describe("agreedLeader", () => {
  const leader = "m0.peers:9333";
  it("names the leader every master follows when exactly one claims it", () => {
    const views = [view("a", true, leader), view("b", false, leader), view("c", false, leader)];
    expect(agreedLeader(views, 2)).toBe(leader);
  });
  it("counts a majority of answers: two of three masters are enough", () => {
    expect(agreedLeader([view("a", true, leader), view("b", false, leader)], 2)).toBe(leader);
    expect(agreedLeader([view("a", true, leader)], 2)).toBeUndefined();
  });
  it("sees no leader while an election runs, two claimants, or masters that disagree", () => {
    expect(
      agreedLeader([view("a", false, ""), view("b", false, ""), view("c", false, "")], 2),
    ).toBeUndefined();
    expect(agreedLeader([view("a", true, "a:9333"), view("b", true, "b:9333")], 2)).toBeUndefined();
    expect(agreedLeader([view("a", true, leader), view("b", false, "b:9333")], 2)).toBeUndefined();
  });
});

describe("electedLeader", () => {
  const leader = "m1.peers:9333";
  it("names the new leader once a majority follows it, while a restarted master still knows none", () => {
    const views = [view("a", false, ""), view("b", true, leader), view("c", false, leader)];
    expect(electedLeader(views, 2)).toBe(leader);
    expect(agreedLeader(views, 2)).toBeUndefined();
  });
  it("sees no leader with one claimant and no follower yet, two claimants, or an election running", () => {
    expect(
      electedLeader([view("a", false, ""), view("b", true, leader), view("c", false, "")], 2),
    ).toBeUndefined();
    expect(electedLeader([view("a", true, "a:9333"), view("b", true, "b:9333")], 2)).toBeUndefined();
    expect(
      electedLeader([view("a", false, ""), view("b", false, ""), view("c", false, "")], 2),
    ).toBeUndefined();
  });
});

describe("underReplicatedVolumes", () => {
  it("reads the ids weed's dry run reports as missing a copy, and nothing else", () => {
    const printed = [
      "collected topology: 3 locations, 4 volumes to check",
      "volume 7 replication 001, but under replicated +1",
      "volume 3 replication 001, but under replicated +1",
      "volume 9 replication 001, but over replicated +3",
      "checking volume 4 replication 001 has 2 replicas [a:8080, b:8080]",
      "volume 7 replication 001, but under replicated +1",
    ].join("\n");
    expect(underReplicatedVolumes(printed)).toEqual([3, 7]);
    expect(underReplicatedVolumes("collected topology: 3 locations, 4 volumes to check\n")).toEqual([]);
  });
});
