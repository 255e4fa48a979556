import type * as NodeCrypto from "node:crypto";
import type * as Forge from "node-forge";

// Certificates for CockroachDB's TLS: a private CA and the node and client certificates it signs. Keys are
// RSA 2048 made by Node's crypto (fast, native); node-forge builds and signs the X.509 structures, which
// Node cannot do. Both are passed in because this also runs in the engine's dynamic-provider host.

export interface X509Deps {
  crypto: typeof NodeCrypto;
  forge: typeof Forge;
}

export interface KeyAndCert {
  certPem: string;
  keyPem: string;
  notAfter: string;
}

export interface AuthorityRequest {
  commonName: string;
  validityDays: number;
}

export type Usage = "server" | "client";

export interface CertificateRequest {
  caCertPem: string;
  caKeyPem: string;
  commonName: string;
  dnsNames?: string[];
  ipAddresses?: string[];
  usages: Usage[];
  validityDays: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
// Backdated so a node whose clock runs a little behind still accepts a certificate issued just now.
const CLOCK_SKEW_MS = 60 * 60 * 1000;

function newKey(deps: X509Deps): {
  privateKey: Forge.pki.rsa.PrivateKey;
  publicKey: Forge.pki.rsa.PublicKey;
  keyPem: string;
} {
  const { privateKey } = deps.crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const forgeKey = deps.forge.pki.privateKeyFromPem(keyPem) as Forge.pki.rsa.PrivateKey;
  return { privateKey: forgeKey, publicKey: deps.forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e), keyPem };
}

function baseCertificate(
  deps: X509Deps,
  publicKey: Forge.pki.PublicKey,
  validityDays: number,
  now: Date,
): Forge.pki.Certificate {
  const cert = deps.forge.pki.createCertificate();
  cert.publicKey = publicKey;
  // 16 random bytes with the top bit clear: a positive serial that is unique without any bookkeeping.
  const serial = deps.crypto.randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  cert.serialNumber = serial.toString("hex");
  cert.validity.notBefore = new Date(now.getTime() - CLOCK_SKEW_MS);
  cert.validity.notAfter = new Date(now.getTime() + validityDays * DAY_MS);
  return cert;
}

export function createAuthority(deps: X509Deps, request: AuthorityRequest, now: Date): KeyAndCert {
  const key = newKey(deps);
  const cert = baseCertificate(deps, key.publicKey, request.validityDays, now);
  const subject = [
    { name: "commonName", value: request.commonName },
    { name: "organizationName", value: "vsekai-infra" },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: "basicConstraints", cA: true, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  cert.sign(key.privateKey, deps.forge.md.sha256.create());
  return {
    certPem: deps.forge.pki.certificateToPem(cert),
    keyPem: key.keyPem,
    notAfter: cert.validity.notAfter.toISOString(),
  };
}

export function issueCertificate(deps: X509Deps, request: CertificateRequest, now: Date): KeyAndCert {
  if (request.usages.length === 0)
    throw new Error(`certificate ${request.commonName}: at least one usage (server, client) is required`);
  const caCert = deps.forge.pki.certificateFromPem(request.caCertPem);
  const caKey = deps.forge.pki.privateKeyFromPem(request.caKeyPem);
  const key = newKey(deps);
  const cert = baseCertificate(deps, key.publicKey, request.validityDays, now);
  cert.setSubject([
    { name: "commonName", value: request.commonName },
    { name: "organizationName", value: "vsekai-infra" },
  ]);
  cert.setIssuer(caCert.subject.attributes);
  const altNames = [
    ...(request.dnsNames ?? []).map((value) => ({ type: 2, value })),
    ...(request.ipAddresses ?? []).map((ip) => ({ type: 7, ip })),
  ];
  cert.setExtensions([
    { name: "basicConstraints", cA: false },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    {
      name: "extKeyUsage",
      serverAuth: request.usages.includes("server"),
      clientAuth: request.usages.includes("client"),
    },
    ...(altNames.length > 0 ? [{ name: "subjectAltName", altNames }] : []),
    { name: "authorityKeyIdentifier", keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(caKey as Forge.pki.rsa.PrivateKey, deps.forge.md.sha256.create());
  return {
    certPem: deps.forge.pki.certificateToPem(cert),
    keyPem: key.keyPem,
    notAfter: cert.validity.notAfter.toISOString(),
  };
}

/** True once a certificate is inside its renewal window (or unreadable), so the next `up` replaces it. */
export function renewalDue(notAfter: string | undefined, renewBeforeDays: number, now: Date): boolean {
  const expires = notAfter ? Date.parse(notAfter) : NaN;
  if (Number.isNaN(expires)) return true;
  return now.getTime() >= expires - renewBeforeDays * DAY_MS;
}
