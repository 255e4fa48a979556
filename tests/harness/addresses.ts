import { readFileSync } from "node:fs";
import { isIPv4, isIPv6 } from "node:net";
import { join } from "node:path";

// The load generator dials only this machine: loopback, or the local cluster's pod and Service ranges
// (tools/cluster/lib/common.sh, the one place they are set). Anything else is refused before a packet
// leaves, so a mistyped address can never send test traffic to someone else's host.

const REPO = join(import.meta.dirname, "..", "..");
const CLUSTER_SETTINGS = join(REPO, "tools", "cluster", "lib", "common.sh");

export interface Cidr {
  text: string;
  base: number;
  prefix: number;
}

/** An IPv4 CIDR such as 10.96.0.0/16; throws on anything else. */
export function parseCidr(text: string): Cidr {
  const match = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(text);
  const prefix = Number(match?.[2]);
  if (!match?.[1] || !isIPv4(match[1]) || prefix > 32) {
    throw new Error(`${JSON.stringify(text)} is not an IPv4 CIDR such as 10.96.0.0/16`);
  }
  return { text, base: ipv4Number(match[1]), prefix };
}

const LOOPBACK = parseCidr("127.0.0.0/8");

function ipv4Number(address: string): number {
  return address.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
}

function inCidr(address: string, cidr: Cidr): boolean {
  const size = 2 ** (32 - cidr.prefix);
  const start = cidr.base - (cidr.base % size);
  const n = ipv4Number(address);
  return n >= start && n < start + size;
}

/**
 * The address in one spelling: IPv4 dotted, or IPv6 as the URL parser writes it. IPv4 written as IPv6
 * (::ffff:a.b.c.d, ::ffff:7f00:1) is the IPv4 address it is.
 */
function canonical(address: string): { v4?: string; v6?: string } {
  const bare = address.replace(/^\[(.*)\]$/, "$1");
  if (isIPv4(bare)) return { v4: bare };
  if (!isIPv6(bare)) return {};
  const v6 = new URL(`http://[${bare}]`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(v6);
  if (mapped?.[1] === undefined || mapped[2] === undefined) return { v6 };
  const [high, low] = [parseInt(mapped[1], 16), parseInt(mapped[2], 16)];
  return { v4: [high >> 8, high & 255, low >> 8, low & 255].join(".") };
}

/**
 * Why `address` may not be dialled, or undefined when it may: it must be an IP literal (a name could
 * resolve anywhere) that is loopback (127.0.0.0/8, ::1) or inside one of `clusterCidrs`.
 */
export function targetProblem(address: string, clusterCidrs: Cidr[]): string | undefined {
  const { v4, v6 } = canonical(address);
  const allowed = `loopback (127.0.0.0/8, ::1) or the local cluster's ${clusterCidrs.map((c) => c.text).join(", ")}`;
  if (v4 !== undefined && (inCidr(v4, LOOPBACK) || clusterCidrs.some((c) => inCidr(v4, c)))) return undefined;
  if (v6 === "::1") return undefined;
  if (v4 === undefined && v6 === undefined) {
    return `target ${JSON.stringify(address)} is not allowed: give an IP address (a name could resolve anywhere), ${allowed}`;
  }
  return `target ${address} is not allowed: the load generator only dials ${allowed}`;
}

/** Throws with targetProblem's message. */
export function assertTarget(address: string, clusterCidrs: Cidr[]): void {
  const problem = targetProblem(address, clusterCidrs);
  if (problem !== undefined) throw new Error(problem);
}

/** The host part of a URL as the generator would dial it. */
export function urlAddress(url: string): string {
  return new URL(url).hostname;
}

/** POD_CIDR and SERVICE_CIDR as tools/cluster/lib/common.sh sets them for the local cluster. */
export function localClusterCidrs(settingsFile = CLUSTER_SETTINGS): Cidr[] {
  const text = readFileSync(settingsFile, "utf8");
  return ["POD_CIDR", "SERVICE_CIDR"].map((name) => {
    const value = new RegExp(`^${name}=(\\S+)$`, "m").exec(text)?.[1];
    if (value === undefined) throw new Error(`${settingsFile} sets no ${name}`);
    return parseCidr(value);
  });
}
