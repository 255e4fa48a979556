import { describe, expect, it } from "vitest";
import { resolveStackConfig } from "../../../components/config/resolve.ts";
import { minimalConfig, problems } from "./fixtures.ts";

const base = minimalConfig("prod");
const app = base.app as Record<string, unknown>;

describe("bad stack config is refused with the key, the value and what is allowed", () => {
  it.each<[string, Record<string, unknown>, string[]]>([
    [
      "unknown environment",
      { ...base, environment: "production" },
      ['vsekai-infra:environment: "production" is not allowed: expected one of "dev", "staging", "prod"'],
    ],
    [
      "missing environment",
      { app },
      ['vsekai-infra:environment: nothing is not allowed: expected one of "dev", "staging", "prod"'],
    ],
    [
      "misspelt top-level key",
      { ...base, namespce: "x" },
      [
        "vsekai-infra:namespce: unknown setting; allowed here: environment, namespace, clusterDomain, storageClass, imagePullPolicy, renderYamlTo, protectData, confirmChanges, cockroach, seaweedfs, app, networking, monitoring, backup, backupCredentials, databaseUrl, filerDatabaseUrl, appSecretEnv",
      ],
    ],
    [
      "a change confirmed that the stack does not guard",
      { ...base, confirmChanges: ["seaweedfs.volumeServers"] },
      [
        'vsekai-infra:confirmChanges[0]: "seaweedfs.volumeServers" is not allowed: expected one of "seaweedfs.masters", "seaweedfs.masterStorage", "seaweedfs.volumeStorage", "cockroach.storage"',
      ],
    ],
    [
      "misspelt nested key",
      { ...base, cockroach: { node: 3 } },
      [
        "vsekai-infra:cockroach.node: unknown setting; allowed here: mode, image, nodes, storage, resources, tls, locality, database, user, filerDatabase, filerUser, certValidityDays, certRenewBeforeDays, finalizeUpgrade, appLoginGeneration, retirePreviousAppLogins",
      ],
    ],
    [
      "a login rotation on an insecure cluster, which checks no password",
      { ...base, cockroach: { tls: false, appLoginGeneration: 1 } },
      [
        "vsekai-infra:cockroach.appLoginGeneration: 1 is not allowed: cockroach.tls is false, and an insecure cluster checks no password, so a new login would keep out no one; turn cockroach.tls on, or keep 0",
      ],
    ],
    [
      "a login name longer than CockroachDB allows",
      { ...base, cockroach: { user: "u".repeat(60), appLoginGeneration: 12 } },
      [
        `vsekai-infra:cockroach.appLoginGeneration: 12 is not allowed: the login it makes, "${"u".repeat(60)}_g12", is longer than the 63 characters CockroachDB allows a user name; use a shorter cockroach.user`,
      ],
    ],
    [
      "a filer user named like one of the app's rotated logins",
      { ...base, cockroach: { filerUser: "uro_g1" } },
      [
        'vsekai-infra:cockroach.filerUser: "uro_g1" is not allowed: names of the form uro_g<N> are the app\'s rotated logins (cockroach.appLoginGeneration), which a rotation stops; choose another name',
      ],
    ],
    [
      "a login generation in external mode, whose logins are the provider's",
      {
        ...base,
        cockroach: { mode: "external", appLoginGeneration: 1 },
        databaseUrl: "postgresql://uro:pw@db.example.org:26257/uro?sslmode=verify-full",
        filerDatabaseUrl: "postgresql://seaweedfs:pw@db.example.org:26257/seaweedfs?sslmode=verify-full",
      },
      [
        'vsekai-infra:cockroach.appLoginGeneration: only applies to cockroach.mode "cluster", but the mode is "external"; remove it',
      ],
    ],
    [
      "a login generation below 0",
      { ...base, cockroach: { appLoginGeneration: -1 } },
      ["vsekai-infra:cockroach.appLoginGeneration: -1 is not allowed: expected at least 0"],
    ],
    [
      "a login generation that is not whole",
      { ...base, cockroach: { appLoginGeneration: 1.5 } },
      ["vsekai-infra:cockroach.appLoginGeneration: 1.5 is not allowed: expected a whole number"],
    ],
    [
      "retirePreviousAppLogins not a boolean",
      { ...base, cockroach: { retirePreviousAppLogins: "yes" } },
      ['vsekai-infra:cockroach.retirePreviousAppLogins: "yes" is not allowed: expected boolean'],
    ],
    [
      "finalizeUpgrade not a boolean",
      { ...base, cockroach: { finalizeUpgrade: "yes" } },
      ['vsekai-infra:cockroach.finalizeUpgrade: "yes" is not allowed: expected boolean'],
    ],
    [
      "finalizeUpgrade in external mode",
      {
        ...base,
        cockroach: { mode: "external", finalizeUpgrade: true },
        databaseUrl: "postgresql://uro:pw@db.example.org:26257/uro?sslmode=verify-full",
        filerDatabaseUrl: "postgresql://seaweedfs:pw@db.example.org:26257/seaweedfs?sslmode=verify-full",
      },
      [
        'vsekai-infra:cockroach.finalizeUpgrade: only applies to cockroach.mode "cluster", but the mode is "external"; remove it',
      ],
    ],
    [
      "S3 key generation below 0",
      { ...base, seaweedfs: { s3KeyGeneration: -1 } },
      ["vsekai-infra:seaweedfs.s3KeyGeneration: -1 is not allowed: expected at least 0"],
    ],
    [
      "S3 key generation given as text",
      { ...base, seaweedfs: { s3KeyGeneration: "two" } },
      ['vsekai-infra:seaweedfs.s3KeyGeneration: "two" is not allowed: expected number'],
    ],
    [
      "retiring the previous S3 keys asked with a word",
      { ...base, seaweedfs: { s3RetirePreviousKeys: "yes" } },
      ['vsekai-infra:seaweedfs.s3RetirePreviousKeys: "yes" is not allowed: expected boolean'],
    ],
    [
      "fractional node count",
      { ...base, cockroach: { nodes: 2.5 } },
      ["vsekai-infra:cockroach.nodes: 2.5 is not allowed: expected a whole number"],
    ],
    [
      "image on latest",
      { ...base, app: { image: "ghcr.io/v-sekai/uro:latest" } },
      [
        'vsekai-infra:app.image: "ghcr.io/v-sekai/uro:latest" is not allowed: expected pinned to a version; `latest` moves under you',
      ],
    ],
    [
      "untagged image",
      { ...base, seaweedfs: { image: "chrislusf/seaweedfs" } },
      [
        'vsekai-infra:seaweedfs.image: "chrislusf/seaweedfs" is not allowed: expected an image reference pinned by tag or digest, e.g. registry/name:v1.2.3',
      ],
    ],
    [
      "even number of masters",
      { ...base, seaweedfs: { masters: 2 } },
      [
        "vsekai-infra:seaweedfs.masters: 2 is not allowed: raft needs an odd number of masters (1, 3, 5…); an even count adds no fault tolerance and can split votes",
      ],
    ],
    [
      "replication needing more servers than exist",
      { ...base, seaweedfs: { volumeServers: 2, replication: "002" } },
      [
        'vsekai-infra:seaweedfs.replication: "002" is not allowed: it keeps 3 copies on different servers but seaweedfs.volumeServers is 2, so every write would fail; use at most "001" or add volume servers',
      ],
    ],
    [
      "replication across racks the stack does not declare",
      { ...base, seaweedfs: { replication: "010" } },
      [
        'vsekai-infra:seaweedfs.replication: "010" is not allowed: copies in other data centers or racks need volume servers labelled with them, which this stack does not declare; use "00N" with N below seaweedfs.volumeServers',
      ],
    ],
    [
      "more volumes than the disk holds",
      { ...base, seaweedfs: { volumeStorage: { size: "10Gi" }, volumeSizeLimitMB: 1024, maxVolumes: 20 } },
      [
        "vsekai-infra:seaweedfs.maxVolumes: 20 is not allowed: 20 volumes of 1024 MB do not fit on a 10Gi disk with room to compact one; at most 8",
      ],
    ],
    [
      "bad memory quantity",
      { ...base, cockroach: { resources: { memory: "8 gigs" } } },
      [
        'vsekai-infra:cockroach.resources.memory: "8 gigs" is not allowed: expected a Kubernetes memory quantity such as 512Mi or 4Gi',
      ],
    ],
    [
      "no app image and no build",
      { environment: "prod" },
      [
        "vsekai-infra:app.image: required: a pinned image such as ghcr.io/v-sekai/uro:<git sha>, or app.build to build one",
      ],
    ],
    [
      "a secret in plain app env",
      { ...base, app: { ...app, env: { SENDGRID_API_KEY: "SG.abc" } } },
      [
        "vsekai-infra:app.env.SENDGRID_API_KEY: looks like a secret; put it in the secret setting appSecretEnv (`pulumi config set --secret --path appSecretEnv.SENDGRID_API_KEY …`)",
      ],
    ],
    [
      "overriding a variable the stack manages",
      { ...base, app: { ...app, env: { PHX_HOST: "x" } } },
      ["vsekai-infra:app.env.PHX_HOST: is set by the stack itself and cannot be overridden"],
    ],
    [
      "health port that is not a declared port",
      { ...base, app: { ...app, healthPort: "admin" } },
      ['vsekai-infra:app.healthPort: "admin" is not allowed: expected one of the port names api, web'],
    ],
    [
      "required secret not supplied",
      { ...base, app: { ...app, requiredSecretEnv: ["JOKEN_SIGNER"] } },
      [
        'vsekai-infra:app.requiredSecretEnv[0]: "JOKEN_SIGNER" is required by the app but missing; set it with `pulumi config set --secret --path appSecretEnv.JOKEN_SIGNER …`',
      ],
    ],
    [
      "external mode without URLs",
      { ...base, cockroach: { mode: "external" } },
      [
        'vsekai-infra:databaseUrl: required when cockroach.mode is "external"; set it with `pulumi config set --secret databaseUrl postgres://…`',
        'vsekai-infra:filerDatabaseUrl: required when cockroach.mode is "external"; set it with `pulumi config set --secret filerDatabaseUrl postgres://…`',
      ],
    ],
    [
      "cluster-only settings in external mode",
      {
        ...base,
        cockroach: { mode: "external", nodes: 3 },
        databaseUrl: "postgres://a:b@h/db",
        filerDatabaseUrl: "postgres://a:b@h/f",
      },
      [
        'vsekai-infra:cockroach.nodes: only applies to cockroach.mode "cluster", but the mode is "external"; remove it',
      ],
    ],
    [
      "a malformed secret URL is reported without echoing it",
      {
        ...base,
        cockroach: { mode: "external" },
        databaseUrl: "mysql://root:hunter2@db/uro",
        filerDatabaseUrl: "postgres://a:b@h/f",
      },
      [
        "vsekai-infra:databaseUrl: (secret value hidden) is not allowed: expected a postgres:// or ecto:// URL",
      ],
    ],
    [
      "filer database on another server than the app's",
      {
        ...base,
        cockroach: { mode: "external" },
        databaseUrl: "postgres://a:b@db-one:5432/uro",
        filerDatabaseUrl: "postgres://a:b@db-two:5432/fs",
      },
      [
        "vsekai-infra:filerDatabaseUrl: must point at the same SQL server as databaseUrl (its own database and user on it), so one egress rule covers both",
      ],
    ],
    [
      "renewal window longer than the certificate lives",
      { ...base, cockroach: { certValidityDays: 30, certRenewBeforeDays: 30 } },
      [
        "vsekai-infra:cockroach.certRenewBeforeDays: 30 is not allowed: must be less than cockroach.certValidityDays (30)",
      ],
    ],
    [
      "autoscaling minimum above maximum",
      { ...base, app: { ...app, autoscaling: { minReplicas: 5, maxReplicas: 3, cpuUtilization: 70 } } },
      [
        "vsekai-infra:app.autoscaling.minReplicas: 5 is not allowed: greater than autoscaling.maxReplicas (3)",
      ],
    ],
    [
      "two CockroachDB nodes",
      { ...base, cockroach: { nodes: 2 } },
      [
        "vsekai-infra:cockroach.nodes: 2 is not allowed: with two nodes the loss of either stops every range (no majority of three replicas); use 1 for dev or 3 and more",
      ],
    ],
    [
      "CockroachDB node memory too small",
      { ...base, cockroach: { resources: { memory: "512Mi" } } },
      [
        'vsekai-infra:cockroach.resources.memory: "512Mi" is not allowed: a CockroachDB node needs at least 1024Mi (a quarter each for cache and SQL memory, the rest for its heap)',
      ],
    ],
    [
      "app port on the Erlang distribution port",
      { ...base, app: { ...app, ports: [{ name: "api", port: 9100 }] } },
      [
        "vsekai-infra:app.ports[0].port: 9100 is not allowed: Erlang distribution uses 4369 (epmd) and 9100; pick another port or set app.distribution to false",
      ],
    ],
    [
      "port variable the stack already sets",
      { ...base, app: { ...app, ports: [{ name: "api", port: 4000, envVar: "POOL_SIZE" }] } },
      ['vsekai-infra:app.ports[0].envVar: "POOL_SIZE" is not allowed: the stack sets that variable itself'],
    ],
    [
      "app.env fighting a port variable",
      { ...base, app: { ...app, env: { WEB_PORT: "8080" } } },
      ["vsekai-infra:app.env.WEB_PORT: is set by the stack itself and cannot be overridden"],
    ],
    [
      "exposing a database that runs elsewhere",
      {
        ...base,
        cockroach: { mode: "external" },
        databaseUrl: "postgres://uro@db.example.org:5432/uro",
        filerDatabaseUrl: "postgres://seaweedfs@db.example.org:5432/seaweedfs",
        networking: { exposeSql: true },
      },
      [
        'vsekai-infra:networking.exposeSql: true is not allowed with cockroach.mode "external": the database runs elsewhere and is not this stack\'s to expose',
      ],
    ],
  ])("%s", (_name, raw, expected) => {
    expect(problems(raw)).toEqual(expected);
  });

  it("lists every problem at once", () => {
    const found = problems({ ...base, seaweedfs: { masters: 4 }, app: { ...app, healthPort: "nope" } });
    expect(found).toHaveLength(2);
  });

  it("never echoes a secret value in the error message", () => {
    try {
      resolveStackConfig({ ...base, appSecretEnv: { OAUTH2_X_SECRET: "" } }, "prod");
      expect.unreachable();
    } catch (error) {
      expect(String(error)).toContain(
        "vsekai-infra:appSecretEnv.OAUTH2_X_SECRET: (secret value hidden) is not allowed",
      );
    }
  });

  it("says nothing was created", () => {
    expect(() => resolveStackConfig({ environment: "qa" }, "qa")).toThrow(
      /^invalid stack configuration \(nothing was created or changed\):\n {2}- vsekai-infra:environment/,
    );
  });
});
