import type * as k8s from "@pulumi/kubernetes";
import type { ExternalPeer, Flow, Peer } from "../shared/endpoints.ts";

type NetworkPolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;
type PolicyPeer = k8s.types.input.networking.v1.NetworkPolicyPeer;
type IngressRule = k8s.types.input.networking.v1.NetworkPolicyIngressRule;
type EgressRule = k8s.types.input.networking.v1.NetworkPolicyEgressRule;

/** A NetworkPolicy to declare: its name suffix, its spec, and why each connection it allows exists. */
export interface PolicyPlan {
  name: string;
  reasons: string[];
  spec: NetworkPolicySpec;
}

/** Pods allowed in from outside the namespace on some ports (the ingress controller, a LoadBalancer). */
export interface Entrance {
  peer: Peer;
  ports: number[];
  /** Namespace the clients live in; undefined means anywhere, in or out of the cluster. */
  fromNamespace?: string;
  reason: string;
}

export interface PolicyOptions {
  entrances: Entrance[];
}

const DNS_PEER: PolicyPeer = {
  namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
  podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
};

function isExternal(peer: Peer | ExternalPeer): peer is ExternalPeer {
  return "external" in peer;
}

interface MergedFlow {
  from: Peer;
  to: Peer | ExternalPeer;
  ports: number[];
  reasons: string[];
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const sortedPorts = (ports: number[]) => [...new Set(ports)].sort((a, b) => a - b);

/** One entry per (source, destination) pair, ports unioned and reasons kept, in a stable order. */
export function mergeFlows(flows: Flow[]): MergedFlow[] {
  const merged = new Map<string, MergedFlow>();
  for (const f of flows) {
    const key = `${f.from.name}\u0000${f.to.name}`;
    const existing = merged.get(key);
    if (existing) {
      existing.ports = sortedPorts([...existing.ports, ...f.ports]);
      if (!existing.reasons.includes(f.reason)) existing.reasons.push(f.reason);
    } else {
      merged.set(key, { from: f.from, to: f.to, ports: sortedPorts(f.ports), reasons: [f.reason] });
    }
  }
  return [...merged.entries()].sort(([a], [b]) => byName(a, b)).map(([, m]) => m);
}

const tcp = (ports: number[]) => ports.map((port) => ({ protocol: "TCP", port }));

function destinationPeers(to: Peer | ExternalPeer): PolicyPeer[] | undefined {
  if (!isExternal(to)) return [{ podSelector: { matchLabels: to.selector } }];
  // No address ranges: the port is the only restriction (an external host whose IP is not known).
  if (to.cidrs.length === 0) return undefined;
  return [...to.cidrs].sort().map((cidr) => ({ ipBlock: { cidr } }));
}

function baseline(): PolicyPlan[] {
  return [
    {
      name: "default-deny",
      reasons: ["nothing talks to or from this namespace unless a policy below allows it"],
      spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
    },
    {
      name: "allow-dns",
      reasons: ["every pod resolves service names through the cluster DNS"],
      spec: {
        podSelector: {},
        policyTypes: ["Egress"],
        egress: [{ to: [DNS_PEER], ports: [{ protocol: "UDP", port: 53 }, ...tcp([53])] }],
      },
    },
  ];
}

function ingressPolicies(flows: MergedFlow[], entrances: Entrance[]): PolicyPlan[] {
  const destinations = new Map<string, { peer: Peer; rules: IngressRule[]; reasons: string[] }>();
  const at = (peer: Peer) => {
    const found = destinations.get(peer.name) ?? { peer, rules: [], reasons: [] };
    destinations.set(peer.name, found);
    return found;
  };
  for (const f of flows) {
    if (isExternal(f.to)) continue;
    const d = at(f.to);
    d.rules.push({ from: [{ podSelector: { matchLabels: f.from.selector } }], ports: tcp(f.ports) });
    d.reasons.push(...f.reasons.map((r) => `from ${f.from.name}: ${r}`));
  }
  for (const e of [...entrances].sort((a, b) => byName(a.peer.name, b.peer.name))) {
    const d = at(e.peer);
    const from =
      e.fromNamespace === undefined
        ? undefined
        : [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": e.fromNamespace } } }];
    d.rules.push({ ...(from ? { from } : {}), ports: tcp(sortedPorts(e.ports)) });
    d.reasons.push(e.reason);
  }
  return [...destinations.values()]
    .sort((a, b) => byName(a.peer.name, b.peer.name))
    .map((d) => ({
      name: `allow-ingress-to-${d.peer.name}`,
      reasons: d.reasons,
      spec: { podSelector: { matchLabels: d.peer.selector }, policyTypes: ["Ingress"], ingress: d.rules },
    }));
}

function egressPolicies(flows: MergedFlow[]): PolicyPlan[] {
  const sources = new Map<string, { peer: Peer; rules: EgressRule[]; reasons: string[] }>();
  for (const f of flows) {
    const source = sources.get(f.from.name) ?? { peer: f.from, rules: [], reasons: [] };
    sources.set(f.from.name, source);
    const to = destinationPeers(f.to);
    source.rules.push({ ...(to ? { to } : {}), ports: tcp(f.ports) });
    source.reasons.push(...f.reasons.map((r) => `to ${f.to.name}: ${r}`));
  }
  return [...sources.values()]
    .sort((a, b) => byName(a.peer.name, b.peer.name))
    .map((s) => ({
      name: `allow-egress-from-${s.peer.name}`,
      reasons: s.reasons,
      spec: { podSelector: { matchLabels: s.peer.selector }, policyTypes: ["Egress"], egress: s.rules },
    }));
}

/**
 * The namespace's NetworkPolicies, derived from the flows the components declare: default deny both ways,
 * DNS for everyone, then for each destination exactly its sources and ports, for each source exactly its
 * destinations and ports, plus the entrances from outside. Same flows in, same policies out, whatever the
 * order they came in.
 */
export function policiesFor(flows: Flow[], opts: PolicyOptions): PolicyPlan[] {
  const merged = mergeFlows(flows);
  return [...baseline(), ...ingressPolicies(merged, opts.entrances), ...egressPolicies(merged)];
}
