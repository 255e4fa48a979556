// SeaweedFS replication strings. "xyz" asks for x extra copies in other data centers, y in other racks of
// the same data center, z on other servers of the same rack; "000" keeps one copy. Volume servers here
// carry no -dataCenter/-rack, so they all sit in SeaweedFS's default data center and rack: only z can be
// satisfied, and only with z + 1 volume servers. With fewer, every volume growth fails and so does every
// write ("no writable volumes"), which is why a mismatch is refused before anything is deployed.

const REPLICATION = /^[0-9]{3}$/;

export interface ReplicaPlacement {
  otherDataCenters: number;
  otherRacks: number;
  otherServers: number;
}

/** The placement a replication string asks for, or undefined when it is not one. */
export function parseReplication(replication: string): ReplicaPlacement | undefined {
  if (!REPLICATION.test(replication)) return undefined;
  const [otherDataCenters, otherRacks, otherServers] = [...replication].map(Number) as [
    number,
    number,
    number,
  ];
  return { otherDataCenters, otherRacks, otherServers };
}

/** How many copies of each file a replication string keeps. */
export function copyCount(p: ReplicaPlacement): number {
  return 1 + p.otherDataCenters + p.otherRacks + p.otherServers;
}

/**
 * The default for a number of volume servers: one extra copy on another server as soon as there are two,
 * so losing a server (or its disk) loses nothing; a single server can only keep one copy.
 */
export function defaultReplication(volumeServers: number): string {
  return volumeServers >= 2 ? "001" : "000";
}

/**
 * What is wrong with `replication` for `volumeServers` volume servers, or undefined when it can work.
 * For config validation (the message names the value and what is allowed; the caller adds the key).
 */
export function replicationProblem(replication: string, volumeServers: number): string | undefined {
  const placement = parseReplication(replication);
  if (placement === undefined) {
    return `${JSON.stringify(replication)} is not allowed: replication is three digits "xyz" (extra copies in other data centers, other racks, other servers), e.g. "000" or "001"`;
  }
  if (placement.otherDataCenters > 0 || placement.otherRacks > 0) {
    return `${JSON.stringify(replication)} is not allowed: copies in other data centers or racks need volume servers labelled with them, which this stack does not declare; use "00N" with N below seaweedfs.volumeServers`;
  }
  const copies = copyCount(placement);
  if (copies > volumeServers) {
    const most = `00${Math.min(9, volumeServers - 1)}`;
    return `${JSON.stringify(replication)} is not allowed: it keeps ${copies} copies on different servers but seaweedfs.volumeServers is ${volumeServers}, so every write would fail; use at most "${most}" or add volume servers`;
  }
  return undefined;
}
