import type * as pulumi from "@pulumi/pulumi";
import { randomString, type Alphabet } from "./random.ts";
import { createAuthority, issueCertificate, renewalDue, type Usage, type X509Deps } from "./x509.ts";

// Dynamic providers: the engine serializes these objects (and every function they reach) into state and
// runs them in its own Node host, where our TypeScript modules cannot be imported. So npm modules are
// loaded with the host's `require` at call time and handed to the pure helpers, which import nothing at
// runtime. Generated values live only in state, encrypted as secrets, and are made once: `diff` replaces
// them only when their inputs change or, for certificates, when they enter their renewal window.

function hostCrypto(): typeof import("node:crypto") {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- runs in the engine's CommonJS host
  return require("node:crypto");
}

function deps(): X509Deps {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- runs in the engine's CommonJS host
  return { crypto: hostCrypto(), forge: require("node-forge") };
}

function newId(): string {
  return hostCrypto().randomUUID();
}

export interface GeneratedSecretInputs {
  length: number;
  alphabet: Alphabet;
}

export const generatedSecretProvider: pulumi.dynamic.ResourceProvider<GeneratedSecretInputs> = {
  async create(inputs) {
    const value = randomString(hostCrypto(), inputs.length, inputs.alphabet);
    return { id: newId(), outs: { ...inputs, value } };
  },
  async diff(_id, olds: GeneratedSecretInputs, news) {
    const replaces = (["length", "alphabet"] as const).filter((k) => olds[k] !== news[k]);
    return { changes: replaces.length > 0, replaces };
  },
};

export interface AuthorityInputs {
  commonName: string;
  validityDays: number;
  renewBeforeDays: number;
}

export const authorityProvider: pulumi.dynamic.ResourceProvider<AuthorityInputs> = {
  async create(inputs) {
    const made = createAuthority(deps(), inputs, new Date());
    return { id: newId(), outs: { ...inputs, ...made } };
  },
  async diff(_id, olds: AuthorityInputs & { notAfter?: string }, news) {
    const replaces: string[] = (["commonName", "validityDays"] as const).filter((k) => olds[k] !== news[k]);
    if (renewalDue(olds.notAfter, news.renewBeforeDays, new Date())) replaces.push("notAfter");
    return { changes: replaces.length > 0 || olds.renewBeforeDays !== news.renewBeforeDays, replaces };
  },
  async update(_id, olds: Record<string, unknown>, news) {
    return { outs: { ...olds, renewBeforeDays: news.renewBeforeDays } };
  },
};

export interface CertificateInputs {
  caCertPem: string;
  caKeyPem: string;
  commonName: string;
  dnsNames: string[];
  ipAddresses: string[];
  usages: Usage[];
  validityDays: number;
  renewBeforeDays: number;
}

/** Inputs whose change means a different certificate. The CA key is implied by the CA certificate. */
const CERTIFICATE_IDENTITY = [
  "caCertPem",
  "commonName",
  "dnsNames",
  "ipAddresses",
  "usages",
  "validityDays",
] as const;

export const certificateProvider: pulumi.dynamic.ResourceProvider<CertificateInputs> = {
  async create(inputs) {
    const made = issueCertificate(deps(), inputs, new Date());
    // The CA key is an input only: echoing it into this resource's outputs would store it twice.
    const { caKeyPem: _caKey, ...rest } = inputs;
    return { id: newId(), outs: { ...rest, ...made } };
  },
  async diff(_id, olds: Omit<CertificateInputs, "caKeyPem"> & { notAfter?: string }, news) {
    const replaces: string[] = CERTIFICATE_IDENTITY.filter(
      (k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k]),
    );
    if (renewalDue(olds.notAfter, news.renewBeforeDays, new Date())) replaces.push("notAfter");
    return { changes: replaces.length > 0 || olds.renewBeforeDays !== news.renewBeforeDays, replaces };
  },
  async update(_id, olds: Record<string, unknown>, news) {
    return { outs: { ...olds, renewBeforeDays: news.renewBeforeDays } };
  },
};
