import { createHmac } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";

// The app reads its credentials from Secrets through env, which Kubernetes resolves only when a container
// starts: a changed Secret alone reaches no running pod. A fingerprint of every credential the app gets, in
// its pod template, makes the Deployment roll (surge first, so old pods serve until new ones are ready)
// whenever one changes: rotated S3 keys, a database URL pointed at a new login, a changed secret env value.
// It is an HMAC under a key the stack generates, so the annotation says that something changed and nothing
// about what: a low-entropy secret env value cannot be guessed back from it.

export const CREDENTIALS_ANNOTATION = "vsekai.dev/credentials-hmac";

/** A stable HMAC-SHA256 of named credential values (order of names does not matter). */
export function credentialsFingerprint(key: string, values: Record<string, string>): string {
  if (key.length < 16) throw new Error("the credentials fingerprint needs a key of at least 16 characters");
  const canonical = JSON.stringify(Object.entries(values).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return createHmac("sha256", key).update(canonical).digest("hex");
}

/** The pod-template annotation, from values still in Outputs; not secret, since it reveals nothing. */
export function credentialsAnnotation(
  key: pulumi.Input<string>,
  values: Record<string, pulumi.Input<string>>,
): pulumi.Output<Record<string, string>> {
  const named = pulumi.all(values);
  return pulumi.unsecret(
    pulumi.all([key, named]).apply(([k, v]): Record<string, string> => ({
      [CREDENTIALS_ANNOTATION]: credentialsFingerprint(k, v as Record<string, string>),
    })),
  );
}
