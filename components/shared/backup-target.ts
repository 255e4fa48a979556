import type { BackupTarget } from "../config/backup.ts";
import type { ExternalPeer } from "./endpoints.ts";

// What every backup mechanism (CockroachDB's schedule, SeaweedFS's filer.backup and the restore Jobs)
// shares about the target: the keys' names in the credentials Secret (those the AWS SDKs and CockroachDB's
// s3:// URLs read) and how NetworkPolicies let pods reach it.

export const BACKUP_KEY_ID_KEY = "AWS_ACCESS_KEY_ID";
export const BACKUP_SECRET_KEY_KEY = "AWS_SECRET_ACCESS_KEY";

/** The backup target's port: the endpoint's own, else its scheme's. */
export function backupTargetPort(target: BackupTarget): number {
  const url = new URL(target.endpoint);
  return url.port !== "" ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
}

/** The backup target is off the cluster at an address the stack does not know: only its port is fixed. */
export const BACKUP_TARGET_PEER: ExternalPeer = { name: "backup-target", external: true, cidrs: [] };
