import { describe, expect, it } from "vitest";
import {
  copyCount,
  defaultReplication,
  parseReplication,
  replicationProblem,
} from "../../../components/seaweedfs/index.ts";

describe("replicationProblem", () => {
  it("accepts what the servers can hold: 000 anywhere, 001 from two servers, 002 from three", () => {
    expect(replicationProblem("000", 1)).toBeUndefined();
    expect(replicationProblem("000", 3)).toBeUndefined();
    expect(replicationProblem("001", 2)).toBeUndefined();
    expect(replicationProblem("001", 3)).toBeUndefined();
    expect(replicationProblem("002", 3)).toBeUndefined();
  });

  it("refuses more copies than servers, naming the count and the highest that works", () => {
    expect(replicationProblem("001", 1)).toBe(
      '"001" is not allowed: it keeps 2 copies on different servers but seaweedfs.volumeServers is 1, so every write would fail; use at most "000" or add volume servers',
    );
    expect(replicationProblem("002", 2)).toBe(
      '"002" is not allowed: it keeps 3 copies on different servers but seaweedfs.volumeServers is 2, so every write would fail; use at most "001" or add volume servers',
    );
    expect(replicationProblem("003", 3)).toContain('use at most "002"');
    expect(replicationProblem("009", 99)).toBeUndefined();
  });

  it("refuses copies in other racks or data centers, which unlabelled servers cannot satisfy", () => {
    for (const r of ["010", "100", "110", "011"]) {
      expect(replicationProblem(r, 3), r).toBe(
        `${JSON.stringify(r)} is not allowed: copies in other data centers or racks need volume servers labelled with them, which this stack does not declare; use "00N" with N below seaweedfs.volumeServers`,
      );
    }
  });

  it("refuses strings that are not three digits", () => {
    for (const bad of ["", "1", "01", "0001", "abc", "00a", " 001", "-01"]) {
      expect(replicationProblem(bad, 3), bad).toBe(
        `${JSON.stringify(bad)} is not allowed: replication is three digits "xyz" (extra copies in other data centers, other racks, other servers), e.g. "000" or "001"`,
      );
    }
  });
});

describe("replication helpers", () => {
  it("parses the three places and counts copies", () => {
    expect(parseReplication("012")).toEqual({ otherDataCenters: 0, otherRacks: 1, otherServers: 2 });
    expect(parseReplication("12")).toBeUndefined();
    expect(copyCount({ otherDataCenters: 1, otherRacks: 1, otherServers: 2 })).toBe(5);
    expect(copyCount({ otherDataCenters: 0, otherRacks: 0, otherServers: 0 })).toBe(1);
  });

  it("defaults to one copy on a single server and two copies from two servers up", () => {
    expect(defaultReplication(1)).toBe("000");
    expect(defaultReplication(2)).toBe("001");
    expect(defaultReplication(5)).toBe("001");
    for (const n of [1, 2, 3, 7]) expect(replicationProblem(defaultReplication(n), n)).toBeUndefined();
  });
});
