import { describe, expect, it } from "vitest";
import {
  backupTargetRequiredProblems,
  DEFAULT_FULL_SCHEDULE,
  DEFAULT_INCREMENTAL_SCHEDULE,
} from "../../../components/config/backup.ts";
import { longestCronGapMs, parseCron } from "../../../components/config/cron.ts";
import { plaintextSecretProblems } from "../../../components/config/load.ts";
import { resolveStackConfig } from "../../../components/config/resolve.ts";
import { stackFileConfig } from "../stack/stack-files.ts";
import { minimalConfig, problems } from "./fixtures.ts";

const target = {
  endpoint: "https://s3.eu-central-1.amazonaws.com",
  bucket: "vsekai-backups",
  prefix: "prod",
  region: "eu-central-1",
};
const credentials = { accessKeyId: "AKIAEXAMPLE", secretAccessKey: "s3cr3t" };
const withBackup = (backup: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  ...minimalConfig("prod"),
  backup,
  ...extra,
});

describe("backup settings", () => {
  it("resolves a target with its defaults, the keys kept as a secret", async () => {
    const { backup } = resolveStackConfig(
      withBackup(
        { target: { ...target, endpoint: "https://s3.eu-central-1.amazonaws.com/" } },
        {
          backupCredentials: credentials,
        },
      ),
      "prod",
    );
    if (!backup.enabled) throw new Error("expected backups on");
    expect(backup.target).toEqual({ ...target, pathStyle: false });
    expect(backup.schedule).toEqual({
      full: DEFAULT_FULL_SCHEDULE,
      incremental: DEFAULT_INCREMENTAL_SCHEDULE,
    });
    expect(backup.retentionDays).toBe(14);
    if (backup.credentials.source !== "config") throw new Error("expected config credentials");
    const secret = await new Promise(
      (resolve) => backup.credentials.source === "config" && backup.credentials.value.apply(resolve),
    );
    expect(secret).toEqual(credentials);
  });

  it("takes the keys from a Secret someone else keeps", () => {
    const { backup } = resolveStackConfig(
      withBackup({ target, credentialsSecret: "vsekai-backup-credentials" }),
      "prod",
    );
    expect(backup.enabled && backup.credentials).toEqual({
      source: "secret",
      secretName: "vsekai-backup-credentials",
    });
  });

  it("is off in dev unless asked for, and off on purpose elsewhere with a reason", () => {
    expect(resolveStackConfig(minimalConfig("dev"), "dev").backup).toEqual({ enabled: false });
    const reason = "a throwaway load-test stack";
    expect(resolveStackConfig(withBackup({ enabled: false, reason }), "prod").backup).toEqual({
      enabled: false,
      reason,
    });
  });

  it("refuses a prod or staging stack that names no target and does not opt out, when the engine loads it", () => {
    const message =
      "required: backups are on by default in a prod stack; give an S3-compatible target (endpoint, bucket, optional prefix, region, pathStyle), or set backup.enabled to false with a backup.reason";
    expect(backupTargetRequiredProblems(minimalConfig("prod"))).toEqual([
      { key: "vsekai-infra:backup.target", message },
    ]);
    expect(backupTargetRequiredProblems(minimalConfig("staging"))[0]?.message).toBe(
      message.replace("prod", "staging"),
    );
    expect(backupTargetRequiredProblems(minimalConfig("dev"))).toEqual([]);
    expect(backupTargetRequiredProblems(withBackup({ enabled: false, reason: "x" }))).toEqual([]);
    expect(backupTargetRequiredProblems(withBackup({ target }))).toEqual([]);
  });

  it("refuses an explicit opt-out without a reason, and settings that only apply when on", () => {
    expect(problems(withBackup({ enabled: false, schedule: { full: "@daily" } }))).toEqual([
      "vsekai-infra:backup.reason: required when backup.enabled is false in a prod stack: say why this stack goes without backups (the policy pack reports it), or configure backup.target",
      "vsekai-infra:backup.schedule: only applies when backups are enabled, but backup.enabled is false; remove it or enable backups",
    ]);
  });

  it("refuses enabled backups with no target", () => {
    expect(problems(withBackup({ enabled: true }, { backupCredentials: credentials }))).toEqual([
      "vsekai-infra:backup.target: required: backups are enabled; give an S3-compatible target (endpoint, bucket, optional prefix, region, pathStyle), or set backup.enabled to false with a backup.reason",
    ]);
  });

  it.each([
    [
      "not a URL",
      "s3.amazonaws.com",
      '"s3.amazonaws.com" is not allowed: expected an http(s) URL such as https://s3.eu-central-1.amazonaws.com',
    ],
    [
      "another scheme",
      "ftp://backup.example.org",
      '"ftp://backup.example.org" is not allowed: expected an https:// URL, not ftp:',
    ],
    [
      "keys in the URL",
      "https://AKIA:secret@s3.example.org",
      '"https://AKIA:secret@s3.example.org" is not allowed: credentials do not belong in the URL; set them with `pulumi config set --secret --path backupCredentials.accessKeyId …`',
    ],
    [
      "a path",
      "https://s3.example.org/vsekai-backups",
      '"https://s3.example.org/vsekai-backups" is not allowed: expected scheme, host and port only; put the path in backup.target.bucket and backup.target.prefix',
    ],
    [
      "plain HTTP in prod",
      "http://minio.backup.svc:9000",
      '"http://minio.backup.svc:9000" is not allowed in a prod stack: the backup keys and data would cross the network unencrypted; use https://',
    ],
  ])("refuses a target endpoint that is %s", (_what, endpoint, message) => {
    expect(
      problems(withBackup({ target: { ...target, endpoint } }, { backupCredentials: credentials })),
    ).toEqual([`vsekai-infra:backup.target.endpoint: ${message}`]);
  });

  it("lets dev write to a plain-HTTP store on its own network", () => {
    const { backup } = resolveStackConfig(
      {
        ...minimalConfig("dev"),
        backup: {
          enabled: true,
          target: { ...target, endpoint: "http://backup-s3.backup:8333", pathStyle: true },
        },
        backupCredentials: credentials,
      },
      "dev",
    );
    expect(backup.enabled && backup.target.endpoint).toBe("http://backup-s3.backup:8333");
  });

  it("refuses missing credentials, and two sources of them", () => {
    expect(problems(withBackup({ target }))).toEqual([
      "vsekai-infra:backupCredentials: required when backups are enabled: set `pulumi config set --secret --path backupCredentials.accessKeyId …` and `… backupCredentials.secretAccessKey …`, or name an existing Secret with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in backup.credentialsSecret",
    ]);
    expect(
      problems(withBackup({ target, credentialsSecret: "keys" }, { backupCredentials: credentials })),
    ).toEqual([
      "vsekai-infra:backup.credentialsSecret: set either backupCredentials or backup.credentialsSecret, not both: the keys need one source",
    ]);
  });

  it("refuses credentials stored in plain text, and never echoes them", () => {
    const isSecret = (k: string) => k !== "vsekai-infra:backupCredentials";
    expect(plaintextSecretProblems({ backupCredentials: credentials }, isSecret)).toEqual([
      {
        key: "vsekai-infra:backupCredentials",
        message:
          "is stored in plain text; remove it and set it again with `pulumi config set --secret backupCredentials …`",
      },
    ]);
    expect(
      problems(withBackup({ target }, { backupCredentials: { accessKeyId: "AKIA", secretAccessKey: 7 } })),
    ).toEqual([
      "vsekai-infra:backupCredentials.secretAccessKey: (secret value hidden) is not allowed: expected string",
    ]);
  });

  it.each([
    [
      "0 2 * *",
      '"0 2 * *" is not allowed: has 4 fields; expected 5 (minute hour day-of-month month day-of-week) or one of @hourly, @daily, @weekly, @monthly',
    ],
    ["0 25 * * *", '"0 25 * * *" is not allowed: its hour field "25" is outside 0-23'],
    [
      "0 2 * * MON",
      '"0 2 * * MON" is not allowed: its day of week field "MON" is not *, a number, a range a-b or a step */n',
    ],
    ["*/0 * * * *", '"*/0 * * * *" is not allowed: its minute field "*/0" has a step of 0'],
  ])("refuses the cron expression %s", (expression, message) => {
    expect(
      problems(withBackup({ target, credentialsSecret: "keys", schedule: { incremental: expression } })),
    ).toEqual([`vsekai-infra:backup.schedule.incremental: ${message}`]);
  });

  it("refuses a retention shorter than the time between full backups", () => {
    expect(
      problems(
        withBackup({ target, credentialsSecret: "keys", schedule: { full: "0 3 * * 0" }, retentionDays: 7 }),
      ),
    ).toEqual([
      'vsekai-infra:backup.retentionDays: 7 is not allowed: full backups (backup.schedule.full "0 3 * * 0") can be up to 7 days apart, so the last full backup would expire before the next one exists; keep backups longer than that, or run full backups more often',
    ]);
    expect(
      problems(
        withBackup({ target, credentialsSecret: "keys", schedule: { full: "0 0 1 * *" }, retentionDays: 30 }),
      ),
    ).toEqual([
      'vsekai-infra:backup.retentionDays: 30 is not allowed: full backups (backup.schedule.full "0 0 1 * *") can be up to 31 days apart, so the last full backup would expire before the next one exists; keep backups longer than that, or run full backups more often',
    ]);
    const weekly = withBackup({
      target,
      credentialsSecret: "keys",
      schedule: { full: "@weekly" },
      retentionDays: 8,
    });
    expect(resolveStackConfig(weekly, "prod").backup.enabled).toBe(true);
  });

  it("measures the longest gap between runs, with cron's either-day rule", () => {
    const gap = (e: string) => {
      const c = parseCron(e);
      if (typeof c === "string") throw new Error(c);
      return longestCronGapMs(c) / 3600_000;
    };
    expect(gap("0 * * * *")).toBe(1);
    expect(gap("30 2,14 * * *")).toBe(12);
    expect(gap("0 0 * * 1-5")).toBe(72);
    // Day 1 of the month or any Sunday: at most a week apart.
    expect(gap("0 0 1 * 0")).toBeLessThanOrEqual(7 * 24);
    expect(gap("0 0 29 2 *")).toBe(Infinity);
  });

  it("lets every committed stack through, with a target in staging and prod and a reason in ha", () => {
    for (const stack of ["dev", "staging", "prod", "ha"]) {
      const raw = stackFileConfig(stack);
      expect(backupTargetRequiredProblems(raw)).toEqual([]);
      const { backup } = resolveStackConfig(raw, stack);
      expect(backup.enabled).toBe(stack === "staging" || stack === "prod");
    }
  });
});
