import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { SCRATCH_DIR, SQL_CA_DIR } from "./env.ts";

type Volume = k8s.types.input.core.v1.Volume;
type VolumeMount = k8s.types.input.core.v1.VolumeMount;

/** Scratch for the read-only root (RELEASE_TMP, HOME, crash dumps) and, when there is one, the SQL CA. */
export function appVolumes(sqlCaSecret: pulumi.Input<string> | undefined): Volume[] {
  return [
    { name: "tmp", emptyDir: { sizeLimit: "256Mi" } },
    ...(sqlCaSecret === undefined
      ? []
      : [
          { name: "sql-ca", secret: { secretName: sqlCaSecret, items: [{ key: "ca.crt", path: "ca.crt" }] } },
        ]),
  ];
}

export function appVolumeMounts(sqlCa: boolean): VolumeMount[] {
  return [
    { name: "tmp", mountPath: SCRATCH_DIR },
    ...(sqlCa ? [{ name: "sql-ca", mountPath: SQL_CA_DIR, readOnly: true }] : []),
  ];
}
