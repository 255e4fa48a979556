import { describe, expect, it } from "vitest";
import { PhoenixApp } from "../../../components/app/index.ts";
import {
  appUrl,
  ingressAnnotations,
  ingressSpec,
  STACK_CA_CERT_VALIDITY_DAYS,
  STACK_CA_VALIDITY_DAYS,
} from "../../../components/app/ingress.ts";
import { resolveStackConfig } from "../../../components/config/resolve.ts";
import type { AppSettings } from "../../../components/config/types.ts";
import { VSekaiStack } from "../../../components/stack/component.ts";
import { minimalConfig, problems } from "../config/fixtures.ts";
import {
  field,
  installMocks,
  isSecretEnvelope,
  ofType,
  one,
  secretKeys,
  settle,
  valueOf,
} from "../harness.ts";
import { stackFileConfig } from "../stack/stack-files.ts";
import { appArgs, appSettings } from "./fixtures.ts";

const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";
const SECRET = "kubernetes:core/v1:Secret";
const AUTHORITY = "pulumi-nodejs:dynamic/vsekai:CertificateAuthority";
const CERTIFICATE = "pulumi-nodejs:dynamic/vsekai:IssuedCertificate";

type Env = "dev" | "staging" | "prod";

function withIngress(ingress: Record<string, unknown>, environment: Env): Record<string, unknown> {
  const raw = minimalConfig(environment);
  return { ...raw, app: { ...(raw.app as Record<string, unknown>), ingress } };
}

function resolvedIngress(ingress: Record<string, unknown>, environment: Env = "staging") {
  return resolveStackConfig(withIngress(ingress, environment), environment).app.ingress;
}

const ingressProblems = (ingress: Record<string, unknown>, environment: Env = "staging") =>
  problems(withIngress(ingress, environment), environment);

describe("app.ingress.tls", () => {
  it("keeps the staging and prod files' tlsSecretName working: a Secret someone else provides", () => {
    for (const stack of ["staging", "prod"]) {
      const settings = resolveStackConfig(stackFileConfig(stack), stack).app;
      expect(settings.ingress.className).toBe("nginx");
      expect(settings.ingress.tls).toEqual({ mode: "secret", secretName: `vsekai-${stack}-tls` });
      expect(ingressSpec(settings.ingress, settings.host, "vsekai-uro").tls).toEqual([
        { hosts: [settings.host], secretName: `vsekai-${stack}-tls` },
      ]);
      expect(appUrl(settings.ingress, settings.host)).toBe(`https://${settings.host}`);
    }
  });

  it("resolves each mode with its defaults", () => {
    expect(resolvedIngress({ tls: { mode: "stack-ca" } }).tls).toEqual({
      mode: "stack-ca",
      secretName: undefined,
    });
    expect(
      resolvedIngress({ tls: { mode: "cert-manager", issuer: "letsencrypt-prod" } }, "prod").tls,
    ).toEqual({
      mode: "cert-manager",
      secretName: undefined,
      issuer: "letsencrypt-prod",
      issuerKind: "ClusterIssuer",
    });
    expect(resolvedIngress({ tls: { mode: "secret", secretName: "given" } }, "prod").tls).toEqual({
      mode: "secret",
      secretName: "given",
    });
    expect(resolvedIngress({}).tls).toBeUndefined();
  });

  it.each<[string, Record<string, unknown>, Env, string[]]>([
    [
      "both spellings at once",
      { tlsSecretName: "old", tls: { mode: "stack-ca" } },
      "staging",
      [
        'vsekai-infra:app.ingress.tlsSecretName: is not allowed together with app.ingress.tls; write app.ingress.tls: { mode: "secret", secretName: "old" } instead',
      ],
    ],
    [
      "a given Secret without its name",
      { tls: { mode: "secret" } },
      "prod",
      [
        `vsekai-infra:app.ingress.tls.secretName: required when app.ingress.tls.mode is "secret": the name of a kubernetes.io/tls Secret in the stack's namespace that holds the host's certificate`,
      ],
    ],
    [
      "cert-manager without an issuer",
      { tls: { mode: "cert-manager" } },
      "prod",
      [
        `vsekai-infra:app.ingress.tls.issuer: required when app.ingress.tls.mode is "cert-manager": the name of the ClusterIssuer (or, with issuerKind "Issuer", the Issuer in the stack's namespace) that signs the certificate, e.g. letsencrypt-prod`,
      ],
    ],
    [
      "an issuer where cert-manager is not asked",
      { tls: { mode: "stack-ca", issuer: "letsencrypt-prod", issuerKind: "Issuer" } },
      "dev",
      [
        'vsekai-infra:app.ingress.tls.issuer: only applies to app.ingress.tls.mode "cert-manager", but the mode is "stack-ca"; remove it',
        'vsekai-infra:app.ingress.tls.issuerKind: only applies to app.ingress.tls.mode "cert-manager", but the mode is "stack-ca"; remove it',
      ],
    ],
    [
      "the stack's private CA in prod",
      { tls: { mode: "stack-ca" } },
      "prod",
      [
        `vsekai-infra:app.ingress.tls.mode: "stack-ca" is not allowed in prod: browsers and uro's clients do not trust the stack's private CA; use "cert-manager" with an issuer, or "secret" with a certificate you provide`,
      ],
    ],
  ])("refuses %s, naming the key", (_what, ingress, environment, expected) => {
    expect(ingressProblems(ingress, environment)).toEqual(expected);
  });

  it("refuses an unknown mode through the schema, listing the allowed ones", () => {
    expect(ingressProblems({ tls: { mode: "letsencrypt" } })).toEqual([
      'vsekai-infra:app.ingress.tls.mode: "letsencrypt" is not allowed: expected one of "stack-ca", "cert-manager", "secret"',
    ]);
  });
});

describe("the Ingress object", () => {
  const ingress = (tls: AppSettings["ingress"]["tls"]) => ({ ...appSettings().ingress, tls });

  it("routes each path to its named Service port, with TLS and class", () => {
    const s = appSettings();
    expect(ingressSpec(s.ingress, s.host, "vsekai-uro")).toEqual({
      ingressClassName: "nginx",
      rules: [
        {
          host: "uro.example.org",
          http: {
            paths: [
              {
                path: "/",
                pathType: "Prefix",
                backend: { service: { name: "vsekai-uro", port: { name: "web" } } },
              },
              {
                path: "/api",
                pathType: "Prefix",
                backend: { service: { name: "vsekai-uro", port: { name: "api" } } },
              },
            ],
          },
        },
      ],
      tls: [{ hosts: ["uro.example.org"], secretName: "uro-tls" }],
    });
    expect(appUrl(s.ingress, s.host)).toBe("https://uro.example.org");
  });

  it("names the Secret after the app's Service unless one is configured", () => {
    expect(ingressSpec(ingress({ mode: "stack-ca" }), "h.example", "vsekai-uro").tls).toEqual([
      { hosts: ["h.example"], secretName: "vsekai-uro-tls" },
    ]);
    expect(ingressSpec(ingress({ mode: "stack-ca", secretName: "mine" }), "h", "svc").tls).toEqual([
      { hosts: ["h"], secretName: "mine" },
    ]);
  });

  it("asks cert-manager through its ingress annotation, for a ClusterIssuer or an Issuer", () => {
    const issuer = (issuerKind: "ClusterIssuer" | "Issuer") =>
      ({ mode: "cert-manager", issuer: "le", issuerKind }) as const;
    expect(ingressAnnotations(issuer("ClusterIssuer"))).toEqual({ "cert-manager.io/cluster-issuer": "le" });
    expect(ingressAnnotations(issuer("Issuer"))).toEqual({ "cert-manager.io/issuer": "le" });
    expect(ingressAnnotations({ mode: "stack-ca" })).toEqual({});
    expect(ingressAnnotations(undefined)).toEqual({});
  });

  it("is plain HTTP, with no class, when neither is set", () => {
    const plain = { ...appSettings().ingress, tls: undefined, className: undefined };
    const spec = ingressSpec(plain, "h", "svc");
    expect(spec.tls).toBeUndefined();
    expect(spec.ingressClassName).toBeUndefined();
    expect(appUrl(plain, "h")).toBe("http://h");
  });
});

async function build(tls: AppSettings["ingress"]["tls"]) {
  const mocks = installMocks();
  const app = new PhoenixApp("app", appArgs({ ingress: { ...appSettings().ingress, tls } }));
  await valueOf(app.url);
  await settle();
  return mocks;
}

describe("PhoenixApp's Ingress certificate", () => {
  it("with stack-ca: makes a CA of its own, the host's certificate, and a kubernetes.io/tls Secret with the CA", async () => {
    const mocks = await build({ mode: "stack-ca" });
    const ca = one(mocks, AUTHORITY, "ingress-ca");
    expect(ca.inputs).toMatchObject({
      commonName: "uro.example.org ingress CA",
      validityDays: STACK_CA_VALIDITY_DAYS,
      renewBeforeDays: STACK_CA_CERT_VALIDITY_DAYS,
    });
    const cert = one(mocks, CERTIFICATE, "ingress-cert");
    expect(cert.inputs).toMatchObject({
      commonName: "uro.example.org",
      dnsNames: ["uro.example.org"],
      usages: ["server"],
      validityDays: 365,
      renewBeforeDays: 30,
    });
    const secret = one(mocks, SECRET, "ingress-tls");
    expect(field(secret, "metadata.name")).toBe("vsekai-uro-tls");
    expect(field(secret, "type")).toBe("kubernetes.io/tls");
    expect(secretKeys(secret).sort()).toEqual(["ca.crt", "tls.crt", "tls.key"]);
    const stringData = field<Record<string, unknown>>(secret, "stringData");
    expect(isSecretEnvelope(stringData) || isSecretEnvelope(stringData["tls.key"])).toBe(true);
    const ing = one(mocks, INGRESS);
    expect(field(ing, "spec.tls")).toEqual([{ hosts: ["uro.example.org"], secretName: "vsekai-uro-tls" }]);
    expect(field(ing, "metadata.annotations")).toBeUndefined();
  });

  it("with cert-manager: annotates the Ingress and leaves the Secret to cert-manager", async () => {
    const mocks = await build({ mode: "cert-manager", issuer: "le", issuerKind: "ClusterIssuer" });
    expect(field(one(mocks, INGRESS), "metadata.annotations")).toEqual({
      "cert-manager.io/cluster-issuer": "le",
    });
    expect(ofType(mocks, SECRET).filter((s) => field(s, "type") === "kubernetes.io/tls")).toEqual([]);
    expect(ofType(mocks, AUTHORITY).filter((r) => r.name.includes("ingress"))).toEqual([]);
  });

  it("with a given Secret: names it and makes nothing", async () => {
    const mocks = await build({ mode: "secret", secretName: "given-tls" });
    expect(field(one(mocks, INGRESS), "spec.tls.0.secretName")).toBe("given-tls");
    expect(ofType(mocks, CERTIFICATE).filter((r) => r.name.includes("ingress"))).toEqual([]);
  });
});

describe("the HA stack's Ingress", () => {
  it("uses class traefik over the stack CA, and lets only Traefik's namespace reach the app's ports", async () => {
    const mocks = installMocks("vsekai-infra", "ha");
    const stack = new VSekaiStack("vsekai", resolveStackConfig(stackFileConfig("ha"), "ha"));
    expect(await valueOf(stack.appUrl)).toBe("https://vsekai-ha.localhost");
    await settle();
    const ing = one(mocks, INGRESS);
    expect(field(ing, "spec.ingressClassName")).toBe("traefik");
    expect(field(ing, "spec.tls")).toEqual([
      { hosts: ["vsekai-ha.localhost"], secretName: "vsekai-uro-tls" },
    ]);
    expect(field(ing, "spec.rules.0.http.paths")).toEqual([
      {
        path: "/api",
        pathType: "Prefix",
        backend: { service: { name: "vsekai-uro", port: { name: "api" } } },
      },
      { path: "/", pathType: "Prefix", backend: { service: { name: "vsekai-uro", port: { name: "web" } } } },
    ]);
    const fromIngress = ofType(mocks, "kubernetes:networking.k8s.io/v1:NetworkPolicy")
      .flatMap((p) => field<{ from?: unknown[]; ports?: unknown[] }[] | undefined>(p, "spec.ingress") ?? [])
      .filter((rule) =>
        JSON.stringify(rule.from ?? []).includes('"kubernetes.io/metadata.name":"ingress-traefik"'),
      );
    expect(fromIngress).toEqual([
      {
        from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-traefik" } } }],
        ports: [
          { protocol: "TCP", port: 4000 },
          { protocol: "TCP", port: 4001 },
        ],
      },
    ]);
  });
});
