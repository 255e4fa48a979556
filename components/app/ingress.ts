import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { AppSettings, IngressTls } from "../config/types.ts";
import { CertificateAuthority, IssuedCertificate } from "../secrets/index.ts";

// The app's Ingress stays controller-neutral: it names a class, routes each path to a named Service port
// and lists a TLS Secret; whichever controller owns the class (ingress-nginx in staging and prod, Traefik
// on the local HA stack) does the rest. Where the certificate comes from is the `tls` setting's business.

type IngressSpec = k8s.types.input.networking.v1.IngressSpec;
type ObjectMeta = k8s.types.input.meta.v1.ObjectMeta;
type Ingress = AppSettings["ingress"];

/** The stack CA's certificate for the host; clients trust the CA (the Secret's ca.crt), not this. */
export const STACK_CA_CERT_VALIDITY_DAYS = 365;
export const STACK_CA_CERT_RENEW_BEFORE_DAYS = 30;
/** The CA outlives its certificates five times over, as the CockroachDB CA does. */
export const STACK_CA_VALIDITY_DAYS = 5 * STACK_CA_CERT_VALIDITY_DAYS;
/** The kubernetes.io/tls keys every controller reads, plus the CA a client needs to verify the host. */
export const TLS_SECRET_KEYS = { cert: "tls.crt", key: "tls.key", ca: "ca.crt" } as const;

/** The Secret the Ingress names: the configured one, or one named after the app's Service. */
export function tlsSecretName(tls: IngressTls, service: string): string {
  return tls.secretName ?? `${service}-tls`;
}

/** cert-manager's ingress-shim watches these annotations and writes the certificate into the Secret. */
export function ingressAnnotations(tls: IngressTls | undefined): Record<string, string> {
  if (tls?.mode !== "cert-manager") return {};
  const key = tls.issuerKind === "Issuer" ? "cert-manager.io/issuer" : "cert-manager.io/cluster-issuer";
  return { [key]: tls.issuer };
}

/** Each configured path goes to the named Service port that serves it (uro: API and web endpoints). */
export function ingressSpec(ingress: Ingress, host: string, service: string): IngressSpec {
  return {
    ...(ingress.className === undefined ? {} : { ingressClassName: ingress.className }),
    rules: [
      {
        host,
        http: {
          paths: ingress.paths.map((p) => ({
            path: p.path,
            pathType: "Prefix",
            backend: { service: { name: service, port: { name: p.port } } },
          })),
        },
      },
    ],
    ...(ingress.tls === undefined
      ? {}
      : { tls: [{ hosts: [host], secretName: tlsSecretName(ingress.tls, service) }] }),
  };
}

export function appUrl(ingress: Ingress, host: string): string {
  return `${ingress.tls === undefined ? "http" : "https"}://${host}`;
}

export interface AppIngressArgs {
  ingress: Ingress;
  host: string;
  /** The app's Service; by default its name also names the TLS Secret. */
  service: string;
  objectName: string;
  metadata: (objectName: string) => ObjectMeta;
}

/**
 * The Ingress, and with mode "stack-ca" the certificate behind it: a private CA made for the Ingress alone
 * (apart from CockroachDB's, so an ingress key can never pose as a database node), the host's certificate,
 * and the kubernetes.io/tls Secret holding both, all kept encrypted in state and renewed by a later `up`.
 */
export function appIngress(
  name: string,
  args: AppIngressArgs,
  opts: pulumi.CustomResourceOptions,
): k8s.networking.v1.Ingress {
  const { ingress, host, service } = args;
  const dependsOn =
    ingress.tls?.mode === "stack-ca"
      ? [stackCaSecret(name, host, tlsSecretName(ingress.tls, service), args.metadata, opts)]
      : [];
  const annotations = ingressAnnotations(ingress.tls);
  // No annotations key unless there is one to set: an Ingress that had none keeps exactly its old inputs.
  const metadata = {
    ...args.metadata(args.objectName),
    ...(Object.keys(annotations).length === 0 ? {} : { annotations }),
  };
  return new k8s.networking.v1.Ingress(
    `${name}-ingress`,
    { metadata, spec: ingressSpec(ingress, host, service) },
    { ...opts, dependsOn },
  );
}

function stackCaSecret(
  name: string,
  host: string,
  secretName: string,
  metadata: (objectName: string) => ObjectMeta,
  opts: pulumi.CustomResourceOptions,
): k8s.core.v1.Secret {
  const ca = new CertificateAuthority(
    `${name}-ingress-ca`,
    {
      commonName: `${host} ingress CA`,
      validityDays: STACK_CA_VALIDITY_DAYS,
      // Renewed a leaf lifetime ahead, so no certificate it signed ever outlives it.
      renewBeforeDays: STACK_CA_CERT_VALIDITY_DAYS,
    },
    opts,
  );
  const cert = new IssuedCertificate(
    `${name}-ingress-cert`,
    {
      caCertPem: ca.certPem,
      caKeyPem: ca.keyPem,
      commonName: host,
      dnsNames: [host],
      usages: ["server"],
      validityDays: STACK_CA_CERT_VALIDITY_DAYS,
      renewBeforeDays: STACK_CA_CERT_RENEW_BEFORE_DAYS,
    },
    opts,
  );
  return new k8s.core.v1.Secret(
    `${name}-ingress-tls`,
    {
      metadata: metadata(secretName),
      type: "kubernetes.io/tls",
      stringData: {
        [TLS_SECRET_KEYS.cert]: cert.certPem,
        [TLS_SECRET_KEYS.key]: pulumi.secret(cert.keyPem),
        [TLS_SECRET_KEYS.ca]: ca.certPem,
      },
    },
    opts,
  );
}
