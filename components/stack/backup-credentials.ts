import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { BackupCredentials } from "../config/backup.ts";
import { BACKUP_KEY_ID_KEY, BACKUP_SECRET_KEY_KEY } from "../shared/backup-target.ts";

// The backup target's keys as a Secret in the stack's namespace, under the names the AWS SDKs read from
// the environment. Written from the encrypted config (`backupCredentials`), or someone else's Secret
// named in `backup.credentialsSecret`, which the stack only refers to.

/**
 * The Secret's name, through the made Secret's output when the keys come from config, so the pods that
 * read it wait for it.
 */
export function backupCredentialsSecret(
  credentials: BackupCredentials,
  o: { prefix: string; namespace: pulumi.Input<string>; labels: Record<string, string> },
  opts: pulumi.CustomResourceOptions,
): pulumi.Input<string> {
  if (credentials.source === "secret") return credentials.secretName;
  const name = `${o.prefix}-backup-credentials`;
  const secret = new k8s.core.v1.Secret(
    "backup-credentials",
    {
      metadata: { name, namespace: o.namespace, labels: o.labels },
      type: "Opaque",
      stringData: {
        [BACKUP_KEY_ID_KEY]: pulumi.secret(credentials.value.apply((c) => c.accessKeyId)),
        [BACKUP_SECRET_KEY_KEY]: pulumi.secret(credentials.value.apply((c) => c.secretAccessKey)),
      },
    },
    opts,
  );
  return secret.metadata.name;
}
