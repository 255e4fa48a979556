import { configKey, type ConfigProblem } from "./errors.ts";
import type { Environment, IngressTls } from "./types.ts";

// Where the app's Ingress gets its certificate, resolved from what the stack file says (the Ingress
// itself, in components/app/ingress.ts, only names the Secret this settles on).

/** What a stack file may write under app.ingress about TLS (schema.ts checks the shapes). */
export interface IngressTlsInput {
  tlsSecretName?: string;
  tls?: {
    mode: IngressTls["mode"];
    secretName?: string;
    issuer?: string;
    issuerKind?: "ClusterIssuer" | "Issuer";
  };
}

const tlsKey = (...path: string[]) => configKey(["app", "ingress", "tls", ...path]);

/**
 * The resolved TLS setting, pushing a problem for each inconsistency. `tlsSecretName` alone is the older
 * spelling of mode "secret" and keeps working.
 */
export function ingressTls(
  input: IngressTlsInput,
  environment: Environment,
  problems: ConfigProblem[],
): IngressTls | undefined {
  const { tls, tlsSecretName } = input;
  if (tls === undefined) {
    return tlsSecretName === undefined ? undefined : { mode: "secret", secretName: tlsSecretName };
  }
  if (tlsSecretName !== undefined) {
    problems.push({
      key: configKey(["app", "ingress", "tlsSecretName"]),
      message: `is not allowed together with app.ingress.tls; write app.ingress.tls: { mode: "secret", secretName: ${JSON.stringify(tlsSecretName)} } instead`,
    });
  }
  if (tls.mode !== "cert-manager") {
    for (const k of ["issuer", "issuerKind"] as const) {
      if (tls[k] !== undefined) {
        problems.push({
          key: tlsKey(k),
          message: `only applies to app.ingress.tls.mode "cert-manager", but the mode is "${tls.mode}"; remove it`,
        });
      }
    }
  }
  switch (tls.mode) {
    case "stack-ca":
      if (environment === "prod") {
        problems.push({
          key: tlsKey("mode"),
          message: `"stack-ca" is not allowed in prod: browsers and uro's clients do not trust the stack's private CA; use "cert-manager" with an issuer, or "secret" with a certificate you provide`,
        });
      }
      return { mode: "stack-ca", secretName: tls.secretName };
    case "cert-manager":
      if (tls.issuer === undefined) {
        problems.push({
          key: tlsKey("issuer"),
          message: `required when app.ingress.tls.mode is "cert-manager": the name of the ClusterIssuer (or, with issuerKind "Issuer", the Issuer in the stack's namespace) that signs the certificate, e.g. letsencrypt-prod`,
        });
      }
      return {
        mode: "cert-manager",
        secretName: tls.secretName,
        issuer: tls.issuer ?? "",
        issuerKind: tls.issuerKind ?? "ClusterIssuer",
      };
    case "secret":
      if (tls.secretName === undefined) {
        problems.push({
          key: tlsKey("secretName"),
          message: `required when app.ingress.tls.mode is "secret": the name of a kubernetes.io/tls Secret in the stack's namespace that holds the host's certificate`,
        });
      }
      return { mode: "secret", secretName: tls.secretName ?? "" };
  }
}
