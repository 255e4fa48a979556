import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { CockroachClusterSettings } from "../config/types.ts";
import { appLoginName } from "../config/cockroach-rules.ts";
import { GeneratedSecret } from "../secrets/index.ts";
import { sha256 } from "../shared/digest.ts";
import { workloadLabels, type Workload } from "../shared/labels.ts";
import { containerResources } from "../shared/resources.ts";
import { restrictedContainerSecurity } from "../shared/security.ts";
import type { AppLoginPlan } from "./app-logins.ts";
import { HOME_ENV, clientJobPod, podMounts, type ClientJobArgs } from "./pod.ts";
import { initJobScript, type DatabaseGrant } from "./provisioning.ts";
import { podFqdn, publicFqdn } from "./topology.ts";

// The passwords of the app's and the filer's logins, and the Job that initialises the cluster and makes
// those logins (provisioning.ts, app-logins.ts).

/** Annotation whose change re-runs provisioning when a password is replaced, so ALTER USER applies it. */
export const PASSWORD_HASH_ANNOTATION = "vsekai.dev/passwords-sha256";

/** Keys of the passwords Secret, and the env vars the init Job reads them from. */
const PASSWORDS = {
  app: { key: "app-password", env: "APP_PASSWORD" },
  filer: { key: "filer-password", env: "FILER_PASSWORD" },
  appLogin: { key: "app-login-password", env: "APP_LOGIN_PASSWORD" },
} as const;

const JOB_RESOURCES = { cpu: "100m", memory: "256Mi", cpuLimit: "500m" };
/** Bounds for the init Job: 60 tries 5 s apart per step, 15 minutes in all, three pod attempts. */
const INIT_ATTEMPTS = 60;
const INIT_DEADLINE_SECONDS = 900;

export interface Logins {
  passwords: k8s.core.v1.Secret;
  /** The login the app is given (its user at generation 0, else `<user>_g<N>`), and its password. */
  app: { user: string; password: pulumi.Output<string> };
  filer: { user: string; password: pulumi.Output<string> };
  plan: AppLoginPlan;
  /** Changes whenever a password does, so the init Job runs again and applies it. */
  hash: pulumi.Output<string>;
}

/**
 * One generated password per login. The current app login's password is a resource of its own generation
 * (`…-app-login-password-g<N>`): raising the generation makes a new one and drops the one before, which
 * the cluster no longer needs once the new login exists (the old login keeps its password in CockroachDB
 * until it is stopped).
 */
export function declareLogins(
  name: string,
  s: CockroachClusterSettings,
  metadata: { name: string; namespace: pulumi.Input<string>; labels: Record<string, string> },
  parent: pulumi.Resource,
): Logins {
  const child = { parent };
  const generation = s.appLoginGeneration;
  const owner = new GeneratedSecret(`${name}-app-password`, { length: 32 }, child).value;
  const filer = new GeneratedSecret(`${name}-filer-password`, { length: 32 }, child).value;
  const login =
    generation === 0
      ? undefined
      : new GeneratedSecret(`${name}-app-login-password-g${generation}`, { length: 32 }, child).value;
  const passwords = new k8s.core.v1.Secret(
    `${name}-passwords`,
    {
      metadata,
      type: "Opaque",
      stringData: {
        [PASSWORDS.app.key]: owner,
        [PASSWORDS.filer.key]: filer,
        ...(login === undefined ? {} : { [PASSWORDS.appLogin.key]: login }),
      },
    },
    child,
  );
  return {
    passwords,
    app: { user: appLoginName(s.user, generation), password: login ?? owner },
    filer: { user: s.filerUser, password: filer },
    plan: {
      database: s.database,
      owner: s.user,
      generation,
      retirePrevious: s.retirePreviousAppLogins,
      passwordEnv: PASSWORDS.appLogin.env,
    },
    // At generation 0 the same hash as before rotation existed, so upgrading this toolkit re-runs nothing.
    hash: pulumi
      .all(login === undefined ? [owner, filer] : [owner, filer, login])
      .apply((parts) => sha256(...parts)),
  };
}

/** Declared like the cluster's other client Jobs, with its own pod labels and the logins it makes. */
export interface InitJobArgs extends ClientJobArgs {
  workload: Workload;
  logins: Logins;
}

/**
 * The Job that initialises the cluster once and provisions databases and logins on every run. Its name is
 * fixed (so it can be found) and a Job's template is immutable, so a changed script or password replaces
 * it in place, and clients that wait on it (the app's Secret, the migration) wait for the new run.
 */
export function declareInitJob(o: InitJobArgs): k8s.batch.v1.Job {
  const s = o.settings;
  const grants: DatabaseGrant[] = [
    { database: s.database, user: s.user, passwordEnv: PASSWORDS.app.env },
    { database: s.filerDatabase, user: s.filerUser, passwordEnv: PASSWORDS.filer.env },
  ];
  const { namespace, imagePullPolicy } = o.placement;
  const labels = workloadLabels(o.workload, o.version);
  const passwordEnv = [
    PASSWORDS.app,
    PASSWORDS.filer,
    ...(s.appLoginGeneration > 0 ? [PASSWORDS.appLogin] : []),
  ];
  return new k8s.batch.v1.Job(
    `${o.name}-init`,
    {
      metadata: { name: o.address.names.initJob, namespace, labels },
      spec: {
        backoffLimit: 3,
        activeDeadlineSeconds: INIT_DEADLINE_SECONDS,
        // Re-running it is harmless (idempotent), so it need not be kept long after finishing.
        ttlSecondsAfterFinished: 3600,
        template: {
          metadata: { labels, annotations: { [PASSWORD_HASH_ANNOTATION]: o.logins.hash } },
          spec: {
            ...clientJobPod(s.tls, s.image, imagePullPolicy, o.certFiles),
            containers: [
              {
                name: "init",
                image: s.image,
                imagePullPolicy,
                command: [
                  "/bin/sh",
                  "-c",
                  initJobScript({
                    initHost: podFqdn(o.address, 0),
                    sqlHost: publicFqdn(o.address),
                    tls: s.tls,
                    grants,
                    appLogin: o.logins.plan,
                    attempts: INIT_ATTEMPTS,
                  }),
                ],
                env: [
                  HOME_ENV,
                  ...passwordEnv.map((p) => ({
                    name: p.env,
                    valueFrom: { secretKeyRef: { name: o.address.names.passwordsSecret, key: p.key } },
                  })),
                ],
                resources: containerResources(JOB_RESOURCES),
                securityContext: restrictedContainerSecurity(),
                volumeMounts: podMounts(s.tls),
              },
            ],
          },
        },
      },
    },
    {
      parent: o.parent,
      dependsOn: o.dependsOn,
      deleteBeforeReplace: true,
      customTimeouts: { create: "20m", update: "20m" },
    },
  );
}
