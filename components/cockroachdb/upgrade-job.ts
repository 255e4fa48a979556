import { declareClientJob, type ClientJob } from "./client-job.ts";
import { COCKROACH_BINARY, securityFlag } from "./paths.ts";
import type { ClientJobArgs } from "./pod.ts";
import { discoveryFqdn } from "./topology.ts";
import { upgradeCheckScript } from "./upgrade.ts";

// The Job the StatefulSet waits on before it rolls a new image (upgrade.ts says what it checks and why).

/** Asking the cluster for its version: 60 tries 5 s apart. */
const ATTEMPTS = 60;

export function declareUpgradeCheckJob(o: ClientJobArgs & { finalize: boolean }): ClientJob {
  const s = o.settings;
  return declareClientJob(o, {
    role: "upgrade-check",
    objectName: `${o.address.names.statefulSet}-upgrade-check`,
    component: "upgrade-check",
    command: [
      "/bin/sh",
      "-c",
      upgradeCheckScript({
        image: s.image,
        finalize: o.finalize,
        discoveryFqdn: discoveryFqdn(o.address),
        securityFlag: securityFlag(s.tls),
        cockroach: COCKROACH_BINARY,
        attempts: ATTEMPTS,
      }),
    ],
    deadlineSeconds: ATTEMPTS * 5 + 300,
    ttlSeconds: 3600,
    // The image and the finalize setting are in its script: changing either replaces it, so it runs again.
    timeout: "20m",
  });
}
