// The S3 gateway's identities file (`weed s3 -config=…`). Once it lists any identity, every request must
// be signed by one of them: anonymous access is off. An action written "Action:bucket" applies to that
// bucket only, so the app's keys cannot list, read or create other buckets, and cannot administer any.

export const S3_CONFIG_DIR = "/etc/seaweedfs/s3";
export const S3_CONFIG_FILE = "identities.json";

/** What an application needs on its bucket: objects in and out, listings, and object tags. */
export const APP_ACTIONS = ["Read", "Write", "List", "Tagging"] as const;

export interface S3Identity {
  name: string;
  accessKey: string;
  secretKey: string;
  bucket: string;
}

interface IdentitiesFile {
  identities: {
    name: string;
    credentials: { accessKey: string; secretKey: string }[];
    actions: string[];
  }[];
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
    if (i.accessKey === "" || i.secretKey === "") {
      throw new Error(`S3 identity ${JSON.stringify(i.name)} has an empty access key or secret key`);
    }
  }
  const file: IdentitiesFile = {
    identities: identities.map((i) => ({
      name: i.name,
      credentials: [{ accessKey: i.accessKey, secretKey: i.secretKey }],
      actions: scopedActions(i.bucket),
    })),
  };
  return JSON.stringify(file, null, 2);
}
