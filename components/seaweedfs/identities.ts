// The S3 gateway's identities file (`weed s3 -config=…`). Once it lists any identity, every request must
// be signed by one of them: anonymous access is off. An action written "Action:bucket" applies to that
// bucket only, so the app's keys cannot list, read or create other buckets, and cannot administer any.

import { createHash } from "node:crypto";

export const S3_CONFIG_DIR = "/etc/seaweedfs/s3";
export const S3_CONFIG_FILE = "identities.json";

/** What an application needs on its bucket: objects in and out, listings, and object tags. */
export const APP_ACTIONS = ["Read", "Write", "List", "Tagging"] as const;

export interface S3Key {
  accessKey: string;
  secretKey: string;
}

/** One identity; the first key is the one handed out, any after it are still accepted (a rotation's window). */
export interface S3Identity {
  name: string;
  keys: S3Key[];
  bucket: string;
}

/**
 * The resource name of one generation's key part. Generation 0 keeps the name keys had before rotation
 * existed, so an existing stack's keys stay as they are until its first rotation.
 */
export function keyResourceName(base: string, part: "access-key" | "secret-key", generation: number): string {
  return generation === 0 ? `${base}-s3-${part}` : `${base}-s3-${part}-g${generation}`;
}

interface IdentitiesFile {
  identities: {
    name: string;
    credentials: { accessKey: string; secretKey: string }[];
    actions: string[];
  }[];
}

/**
 * The name of the identity that marks which file a gateway has loaded. Its key is derived from the rest of
 * the file, so a gateway that accepts it has loaded exactly this file (and dropped any key it no longer
 * lists); it is allowed no action at all, so it can only authenticate (the keys gate, s3-keys.ts).
 */
export const REVISION_IDENTITY = "revision";

export function revisionKey(identitiesContent: string): S3Key {
  const digest = (label: string) =>
    createHash("sha256").update(`${label}\n${identitiesContent}`).digest("hex");
  return {
    accessKey: `REV${digest("access").slice(0, 17).toUpperCase()}`,
    secretKey: digest("secret").slice(0, 40),
  };
}

export function scopedActions(bucket: string): string[] {
  return APP_ACTIONS.map((action) => `${action}:${bucket}`);
}

/** The identities file for the given application identities, each scoped to its own bucket. */
export function s3IdentitiesJson(identities: S3Identity[]): string {
  if (identities.length === 0) {
    throw new Error("the S3 gateway needs at least one identity; with none it would allow anonymous access");
  }
  for (const i of identities) {
    if (i.keys.length === 0 || i.keys.some((k) => k.accessKey === "" || k.secretKey === "")) {
      throw new Error(
        `S3 identity ${JSON.stringify(i.name)} has no key, or an empty access key or secret key`,
      );
    }
    if (i.name === REVISION_IDENTITY) {
      throw new Error(
        `S3 identity name ${JSON.stringify(i.name)} is reserved for the file's revision marker`,
      );
    }
    if (new Set(i.keys.map((k) => k.accessKey)).size !== i.keys.length) {
      throw new Error(`S3 identity ${JSON.stringify(i.name)} lists one access key twice`);
    }
  }
  const listed = identities.map((i) => ({
    name: i.name,
    credentials: i.keys.map((k) => ({ accessKey: k.accessKey, secretKey: k.secretKey })),
    actions: scopedActions(i.bucket),
  }));
  const revision = revisionKey(JSON.stringify(listed));
  const file: IdentitiesFile = {
    identities: [...listed, { name: REVISION_IDENTITY, credentials: [revision], actions: [] }],
  };
  return JSON.stringify(file, null, 2);
}
