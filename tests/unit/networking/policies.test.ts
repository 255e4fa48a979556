import { describe, expect, it } from "vitest";
import {
  entrances,
  exposures,
  mergeFlows,
  policiesFor,
  type PolicyPlan,
} from "../../../components/networking/index.ts";
import type { ExternalPeer, Flow, Peer } from "../../../components/shared/endpoints.ts";

const app: Peer = { name: "uro", selector: { "app.kubernetes.io/component": "server" } };
const migrate: Peer = { name: "uro-migrate", selector: { "app.kubernetes.io/component": "migrate" } };
const db: Peer = { name: "cockroachdb", selector: { "app.kubernetes.io/name": "cockroachdb" } };
const s3: Peer = { name: "seaweedfs-s3", selector: { "app.kubernetes.io/component": "s3" } };
const externalDb: ExternalPeer = {
  name: "external-sql",
  external: true,
  cidrs: ["10.9.0.0/16", "10.1.2.3/32"],
};
const anyHost: ExternalPeer = { name: "smtp", external: true, cidrs: [] };
const settings = { exposeSql: false, exposeS3: false, ingressNamespace: "ingress-nginx" };

const flows: Flow[] = [
  { from: app, to: db, ports: [26257], reason: "app queries" },
  { from: app, to: s3, ports: [8333], reason: "app stores files" },
  { from: migrate, to: db, ports: [26257], reason: "migrations" },
  { from: app, to: app, ports: [9100, 4369], reason: "erlang cluster" },
];

const named = (plans: PolicyPlan[], name: string) => plans.find((p) => p.name === name) as PolicyPlan;

describe("policiesFor", () => {
  const plans = policiesFor(flows, { entrances: entrances(settings, app, [4000, 4001], []) });

  it("starts from deny-all both ways and allows DNS to kube-dns only", () => {
    expect(named(plans, "default-deny").spec).toEqual({
      podSelector: {},
      policyTypes: ["Ingress", "Egress"],
    });
    expect(named(plans, "allow-dns").spec).toEqual({
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [
        {
          to: [
            {
              namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
              podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
            },
          ],
          ports: [
            { protocol: "UDP", port: 53 },
            { protocol: "TCP", port: 53 },
          ],
        },
      ],
    });
  });

  it("lets into each destination exactly its sources on their ports", () => {
    expect(named(plans, "allow-ingress-to-cockroachdb").spec).toEqual({
      podSelector: { matchLabels: db.selector },
      policyTypes: ["Ingress"],
      ingress: [
        { from: [{ podSelector: { matchLabels: app.selector } }], ports: [{ protocol: "TCP", port: 26257 }] },
        {
          from: [{ podSelector: { matchLabels: migrate.selector } }],
          ports: [{ protocol: "TCP", port: 26257 }],
        },
      ],
    });
  });

  it("lets the ingress controller's namespace reach the app's HTTP ports, and the app its own cluster ports", () => {
    expect(named(plans, "allow-ingress-to-uro").spec.ingress).toEqual([
      {
        from: [{ podSelector: { matchLabels: app.selector } }],
        ports: [
          { protocol: "TCP", port: 4369 },
          { protocol: "TCP", port: 9100 },
        ],
      },
      {
        from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } } }],
        ports: [
          { protocol: "TCP", port: 4000 },
          { protocol: "TCP", port: 4001 },
        ],
      },
    ]);
  });

  it("lets out of each source exactly its destinations", () => {
    const egress = named(plans, "allow-egress-from-uro");
    expect(egress.spec.podSelector).toEqual({ matchLabels: app.selector });
    expect(egress.spec.egress).toEqual([
      { to: [{ podSelector: { matchLabels: db.selector } }], ports: [{ protocol: "TCP", port: 26257 }] },
      { to: [{ podSelector: { matchLabels: s3.selector } }], ports: [{ protocol: "TCP", port: 8333 }] },
      {
        to: [{ podSelector: { matchLabels: app.selector } }],
        ports: [
          { protocol: "TCP", port: 4369 },
          { protocol: "TCP", port: 9100 },
        ],
      },
    ]);
    expect(egress.reasons).toContain("to cockroachdb: app queries");
    expect(named(plans, "allow-egress-from-uro-migrate").spec.egress).toHaveLength(1);
  });

  it("reaches external peers by address range, or by port alone when none is known, and never admits them", () => {
    const out = policiesFor(
      [
        { from: app, to: externalDb, ports: [26257], reason: "managed database" },
        { from: app, to: anyHost, ports: [587], reason: "mail" },
      ],
      { entrances: [] },
    );
    expect(named(out, "allow-egress-from-uro").spec.egress).toEqual([
      {
        to: [{ ipBlock: { cidr: "10.1.2.3/32" } }, { ipBlock: { cidr: "10.9.0.0/16" } }],
        ports: [{ protocol: "TCP", port: 26257 }],
      },
      { ports: [{ protocol: "TCP", port: 587 }] },
    ]);
    expect(out.map((p) => p.name)).toEqual(["default-deny", "allow-dns", "allow-egress-from-uro"]);
  });

  it("merges flows of one pair into one rule with the union of ports and both reasons", () => {
    const merged = mergeFlows([
      { from: app, to: db, ports: [26257], reason: "queries" },
      { from: app, to: db, ports: [8080, 26257], reason: "health" },
    ]);
    expect(merged).toHaveLength(1);
    expect(merged[0]?.ports).toEqual([8080, 26257]);
    expect(merged[0]?.reasons).toEqual(["queries", "health"]);
  });

  it("gives the same policies whatever order the flows come in", () => {
    const shuffled = [...flows].reverse();
    const again = policiesFor(shuffled, { entrances: entrances(settings, app, [4001, 4000], []) });
    expect(JSON.stringify(again.map((p) => p.spec))).toBe(JSON.stringify(plans.map((p) => p.spec)));
    expect(again.map((p) => p.name)).toEqual(plans.map((p) => p.name));
  });

  it("admits nobody from outside for SQL or S3 unless exposed", () => {
    expect(exposures(settings, { peer: db, port: 26257 }, { peer: s3, port: 8333 })).toEqual([]);
    const exposed = exposures(
      { ...settings, exposeS3: true },
      { peer: db, port: 26257 },
      { peer: s3, port: 8333 },
    );
    expect(exposed).toEqual([{ name: "s3", peer: s3, port: 8333 }]);
    const out = policiesFor(flows, { entrances: entrances(settings, app, [4000], exposed) });
    expect(named(out, "allow-ingress-to-seaweedfs-s3").spec.ingress).toContainEqual({
      ports: [{ protocol: "TCP", port: 8333 }],
    });
    expect(named(out, "allow-ingress-to-cockroachdb").spec.ingress).toHaveLength(2);
  });

  it("never exposes an external database", () => {
    expect(exposures({ ...settings, exposeSql: true }, { peer: externalDb, port: 26257 }, undefined)).toEqual(
      [],
    );
  });
});
