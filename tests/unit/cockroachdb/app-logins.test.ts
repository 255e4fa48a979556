import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  acceptedAppLogins,
  appLoginSql,
  type AppLoginPlan,
} from "../../../components/cockroachdb/app-logins.ts";
import { COCKROACH_BINARY } from "../../../components/cockroachdb/paths.ts";
import { initJobScript, type DatabaseGrant } from "../../../components/cockroachdb/provisioning.ts";

const plan = (generation: number, retirePrevious = false): AppLoginPlan => ({
  database: "uro",
  owner: "uro",
  generation,
  retirePrevious,
  passwordEnv: "APP_LOGIN_PASSWORD",
});

const grants: DatabaseGrant[] = [
  { database: "uro", user: "uro", passwordEnv: "APP_PASSWORD" },
  { database: "seaweedfs", user: "seaweedfs", passwordEnv: "FILER_PASSWORD" },
];

interface Run {
  status: number | null;
  stderr: string;
  stdout: string;
  /** What went through the heredoc, with the shell's expansions done. */
  provisioned: string;
  /** Each `--execute` statement with the flags it was sent with. */
  executed: string[];
}

/**
 * Runs the init Job's script under sh with a stand-in for the cockroach binary: `init` answers that the
 * cluster is initialised, the login listing answers `roles` (as CSV, header first), statements given with
 * --execute are recorded (and fail with `failExecute`), and the heredoc's stdin is recorded (and fails
 * with `failHeredoc`).
 */
function runInit(p: AppLoginPlan, roles: string[], fail: "heredoc" | "execute" | "none" = "none"): Run {
  const dir = mkdtempSync(join(tmpdir(), "vsekai-init-"));
  const fake = join(dir, "cockroach");
  writeFileSync(join(dir, "roles"), ["username", ...roles].join("\n") + "\n");
  writeFileSync(
    fake,
    [
      "#!/bin/sh",
      `d='${dir}'`,
      'if [ "$1" = init ]; then echo "ERROR: cluster has already been initialized"; exit 1; fi',
      'for a in "$@"; do case "$a" in --format=csv) cat "$d/roles"; exit 0 ;; esac; done',
      'for a in "$@"; do case "$a" in --execute=*)',
      '  echo "$*" >> "$d/executed"',
      `  case "$a" in *"SELECT 1") exit 0 ;; esac`,
      `  [ '${fail}' = execute ] && exit 1; exit 0 ;;`,
      "esac; done",
      'cat >> "$d/stdin"',
      `[ '${fail}' = heredoc ] && { echo "ERROR: statement failed" >&2; exit 1; }`,
      "exit 0",
    ].join("\n"),
  );
  chmodSync(fake, 0o755);
  const script = initJobScript({
    initHost: "n0",
    sqlHost: "public",
    tls: true,
    grants,
    appLogin: p,
    attempts: 2,
  }).replaceAll(`${COCKROACH_BINARY} `, `${fake} `);
  const run = spawnSync("/bin/sh", ["-c", script], {
    encoding: "utf8",
    timeout: 20_000,
    env: {
      PATH: process.env.PATH,
      APP_PASSWORD: "ownerpw",
      FILER_PASSWORD: "filerpw",
      APP_LOGIN_PASSWORD: "loginpw",
    },
  });
  const read = (file: string) => (existsSync(join(dir, file)) ? readFileSync(join(dir, file), "utf8") : "");
  return {
    status: run.status,
    stderr: run.stderr,
    stdout: run.stdout,
    provisioned: read("stdin"),
    executed: read("executed")
      .split("\n")
      .filter((line) => line !== "" && !line.endsWith("SELECT 1")),
  };
}

/** The login a recorded statement names, and what it did to it. */
function actions(executed: string[]): { reassigned: string[]; stopped: string[] } {
  const reassigned: string[] = [];
  const stopped: string[] = [];
  for (const line of executed) {
    const reassign = /--database=uro --execute=REASSIGN OWNED BY (\S+) TO uro$/.exec(line);
    const stop = /--execute=ALTER USER (\S+) WITH NOLOGIN$/.exec(line);
    if (reassign?.[1]) reassigned.push(reassign[1]);
    else if (stop?.[1]) stopped.push(stop[1]);
    else throw new Error(`unexpected statement: ${line}`);
  }
  return { reassigned, stopped };
}

describe("the app's login generations", () => {
  it("hands the app its own user at generation 0, and a member login `<user>_g<N>` after that", () => {
    expect(acceptedAppLogins(plan(0))).toEqual(["uro"]);
    expect(acceptedAppLogins(plan(1))).toEqual(["uro_g1", "uro"]);
    expect(acceptedAppLogins(plan(1, true))).toEqual(["uro_g1"]);
    expect(acceptedAppLogins(plan(3))).toEqual(["uro_g3", "uro_g2"]);
  });

  it("makes the new login with its own password, a member of the owner, whose new objects the owner may use", () => {
    expect(appLoginSql(plan(0))).toEqual([]);
    const sql = appLoginSql(plan(2));
    expect(sql).toEqual([
      "CREATE USER IF NOT EXISTS uro_g2 WITH LOGIN PASSWORD '${APP_LOGIN_PASSWORD}';",
      "ALTER USER uro_g2 WITH LOGIN PASSWORD '${APP_LOGIN_PASSWORD}';",
      "GRANT uro TO uro_g2;",
      "USE uro;",
      "ALTER DEFAULT PRIVILEGES FOR ROLE uro_g2 GRANT ALL ON TABLES TO uro;",
      "ALTER DEFAULT PRIVILEGES FOR ROLE uro_g2 GRANT ALL ON SEQUENCES TO uro;",
      "ALTER DEFAULT PRIVILEGES FOR ROLE uro_g2 GRANT ALL ON TYPES TO uro;",
      "ALTER USER uro WITH NOLOGIN;",
    ]);
  });

  it("keeps the owner's own login at generation 1 until it is retired", () => {
    expect(appLoginSql(plan(1))).toContain("ALTER USER uro WITH LOGIN;");
    expect(appLoginSql(plan(1, true))).toContain("ALTER USER uro WITH NOLOGIN;");
  });
});

describe("the init Job rotating the app's login (run under sh with a stand-in cockroach)", () => {
  it("makes the new login with the password from its env, moves what older logins own to the owner and stops only those no longer accepted", () => {
    const r = runInit(plan(3), ["uro_g1", "uro_g2", "uro_g3"]);
    expect(r.status).toBe(0);
    expect(r.provisioned).toContain("CREATE USER IF NOT EXISTS uro_g3 WITH LOGIN PASSWORD 'loginpw';");
    expect(r.provisioned).toContain("ALTER USER uro WITH PASSWORD 'ownerpw';");
    expect(r.provisioned).not.toContain("${");
    expect(actions(r.executed)).toEqual({ reassigned: ["uro_g1", "uro_g2"], stopped: ["uro_g1"] });
    expect(r.stdout).toContain("login uro_g1 stopped");
    expect(r.stdout).toContain("the app logs in as uro_g3");
    expect(r.stdout + r.stderr).not.toContain("loginpw");
  });

  it("stops the previous login too once it is retired", () => {
    const r = runInit(plan(3, true), ["uro_g1", "uro_g2", "uro_g3"]);
    expect(r.status).toBe(0);
    expect(actions(r.executed)).toEqual({ reassigned: ["uro_g1", "uro_g2"], stopped: ["uro_g1", "uro_g2"] });
  });

  it("changes no login when the provisioning statements fail", () => {
    const r = runInit(plan(2), ["uro_g1", "uro_g2"], "heredoc");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("provisioning failed");
    expect(r.executed).toEqual([]);
  });

  it("fails with the login it could not change", () => {
    const r = runInit(plan(2, true), ["uro_g1", "uro_g2"], "execute");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("could not hand what uro_g1 owns to uro");
  });

  it("refuses a listed name that is not one of the app's logins rather than send it in a statement", () => {
    const r = runInit(plan(2), ["uro_g1", "uro_graph"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("not one of the app's logins: uro_graph");
    expect(r.executed).toEqual([]);
  });

  it("at generation 0 adds nothing to provisioning", () => {
    const r = runInit(plan(0), []);
    expect(r.status).toBe(0);
    expect(r.executed).toEqual([]);
    expect(r.provisioned).not.toMatch(/_g[0-9]|NOLOGIN|REASSIGN/);
  });

  it("whatever logins the cluster holds, stops exactly those not accepted and leaves the current one alone (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.boolean(),
        fc.subarray(Array.from({ length: 12 }, (_, i) => i + 1)),
        (generation, retire, existing) => {
          const roles = [...new Set([...existing.filter((g) => g <= generation), generation])]
            .sort((a, b) => a - b)
            .map((g) => `uro_g${g}`);
          const r = runInit(plan(generation, retire), roles);
          expect(r.status).toBe(0);
          const accepted = acceptedAppLogins(plan(generation, retire));
          const done = actions(r.executed);
          expect(done.reassigned).toEqual(roles.filter((role) => role !== `uro_g${generation}`));
          expect(done.stopped).toEqual(roles.filter((role) => !accepted.includes(role)));
        },
      ),
      { numRuns: 25 },
    );
  });
});
