import { COCKROACH_DATA_CLAIM, clusterNames } from "../cockroachdb/index.ts";
import type { StackSettings, Storage } from "../config/types.ts";
import type { GuardedSetting } from "../config/guarded-settings.ts";
import { DATA_CLAIM, seaweedfsNames } from "../seaweedfs/index.ts";
import type { ClaimShape, DataShape } from "../shared/data-shape.ts";

function claim(setting: GuardedSetting, statefulSet: string, template: string, storage: Storage): ClaimShape {
  return { setting, statefulSet, template, size: storage.size, storageClass: storage.storageClass ?? "" };
}

/**
 * What the shape guard compares between updates: the master count, every data-holding claim template, and
 * the app's S3 key and (cluster mode) CockroachDB login generations.
 */
export function stackDataShape(settings: StackSettings, prefix: string): DataShape {
  const names = seaweedfsNames(prefix);
  const sw = settings.seaweedfs;
  const claims = [
    claim("seaweedfs.masterStorage", names.master, DATA_CLAIM, sw.masterStorage),
    claim("seaweedfs.volumeStorage", names.volume, DATA_CLAIM, sw.volumeStorage),
  ];
  if (settings.sql.mode === "cluster") {
    const set = clusterNames(prefix).statefulSet;
    claims.push(claim("cockroach.storage", set, COCKROACH_DATA_CLAIM, settings.sql.storage));
  }
  return {
    namespace: settings.namespace,
    masters: { statefulSet: names.master, peersService: names.masterPeersService, count: sw.masters },
    claims,
    confirmed: settings.confirmChanges,
    s3Keys: { generation: sw.s3KeyGeneration, retirePrevious: sw.s3RetirePreviousKeys },
    ...(settings.sql.mode === "cluster"
      ? {
          appLogin: {
            generation: settings.sql.appLoginGeneration,
            retirePrevious: settings.sql.retirePreviousAppLogins,
          },
        }
      : {}),
  };
}
