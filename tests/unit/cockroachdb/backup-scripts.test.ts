import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { backupCollectionUrl } from "../../../components/cockroachdb/backup.ts";
import { restoreJobScript, scheduleJobScript } from "../../../components/cockroachdb/backup-scripts.ts";
import { REFUSED_EXIT_CODE } from "../../../components/cockroachdb/scaling.ts";

// The Jobs' shell scripts run here under bash for real. Only `cockroach` is replaced (no CockroachDB
// binary can be had here): a script that records its arguments and stdin and answers the few one-value
// queries the scripts ask, from FAKE_* variables. What is checked is the scripts' own logic: the keys
// percent-encoded into the SQL on stdin and never into an argument or the output, the refusal of a
// database with tables, the marker that makes a second run a no-op, and the exit codes.

const target = {
  endpoint: "https://s3.example.test:9000",
  bucket: "vsekai-backups",
  prefix: "prod",
  region: "eu-central-1",
  pathStyle: true,
};
const KEY_ID = "AKIAEXAMPLE";
const SECRET = "wJal/rXUtn+FEMI=K7MDENG&bPxRfi CY";
const ENCODED_SECRET = "wJal%2FrXUtn%2BFEMI%3DK7MDENG%26bPxRfi%20CY";

const FAKE_COCKROACH = `#!/bin/bash
dir=$(dirname "$0")
printf '%s\\n' "$*" >>"$dir/args.log"
execute=""
for a in "$@"; do case $a in --execute=*) execute=\${a#--execute=} ;; esac; done
if [ -z "$execute" ]; then cat >>"$dir/stdin.log"; exit "\${FAKE_STDIN_EXIT:-0}"; fi
case $execute in
  "SELECT 1") printf '?column?\\n1\\n' ;;
  *"WITH COMMENT"*) printf 'coalesce\\n%s\\n' "\${FAKE_COMMENT:-}" ;;
  *"[SHOW DATABASES]"*) printf 'count\\n%s\\n' "\${FAKE_EXISTS:-0}" ;;
  *information_schema.tables*) printf 'count\\n%s\\n' "\${FAKE_TABLES:-0}" ;;
  "DROP DATABASE"*) printf '%s\\n' "$execute" >>"$dir/dropped.log" ;;
  *"SHOW SCHEDULES"*) printf 'label\\tschedule_status\\n' ;;
  *) echo "fake cockroach: unexpected query $execute" >&2; exit 1 ;;
esac
`;

interface Run {
  status: number | null;
  output: string;
  args: string;
  stdin: string;
  dropped: string;
}

function run(script: string, fake: Record<string, string> = {}): Run {
  const dir = mkdtempSync(join(tmpdir(), "vsekai-crdb-script-"));
  const cockroach = join(dir, "cockroach");
  writeFileSync(cockroach, FAKE_COCKROACH);
  chmodSync(cockroach, 0o755);
  const result = spawnSync("bash", ["-c", script.replaceAll("FAKE_COCKROACH_BIN", cockroach)], {
    encoding: "utf8",
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      AWS_ACCESS_KEY_ID: KEY_ID,
      AWS_SECRET_ACCESS_KEY: SECRET,
      ...fake,
    },
    timeout: 20_000,
  });
  const read = (name: string) => (existsSync(join(dir, name)) ? readFileSync(join(dir, name), "utf8") : "");
  const done: Run = {
    status: result.status,
    output: `${result.stdout}${result.stderr}`,
    args: read("args.log"),
    stdin: read("stdin.log"),
    dropped: read("dropped.log"),
  };
  rmSync(dir, { recursive: true, force: true });
  return done;
}

const client = {
  cockroach: "FAKE_COCKROACH_BIN",
  securityFlag: "--certs-dir=/cockroach/cockroach-certs",
  host: "vsekai-cockroachdb-public:26257",
  attempts: 2,
};
const restoreOptions = { database: "uro", user: "uro", run: "2026-12-03" };

describe("backup schedule Job script", () => {
  it("sends the schedule SQL with the keys percent-encoded on stdin only", () => {
    const r = run(scheduleJobScript(client, target, { full: "0 2 * * *", incremental: "0 * * * *" }));
    expect(r.status).toBe(0);
    const url = backupCollectionUrl(target)
      .replace("__AWS_ACCESS_KEY_ID__", KEY_ID)
      .replace("__AWS_SECRET_ACCESS_KEY__", ENCODED_SECRET);
    expect(r.stdin).toContain(`FOR BACKUP INTO '${url}'`);
    expect(r.stdin).toMatch(/^DROP SCHEDULES .*;\nCREATE SCHEDULE IF NOT EXISTS vsekai_backup_[0-9a-f]{10} /);
    for (const where of [r.args, r.output]) {
      expect(where).not.toContain(KEY_ID);
      expect(where).not.toContain(ENCODED_SECRET);
      expect(where).not.toContain("wJal");
    }
    expect(r.args).toContain("--certs-dir=/cockroach/cockroach-certs --host=vsekai-cockroachdb-public:26257");
  });

  it("fails, saying so, when cockroach refuses the SQL", () => {
    const r = run(scheduleJobScript(client, target, { full: "0 2 * * *", incremental: "0 * * * *" }), {
      FAKE_STDIN_EXIT: "1",
    });
    expect(r.status).toBe(1);
    expect(r.output).toContain("creating the backup schedule failed (above)");
  });
});

describe("restore Job script", () => {
  it("drops the empty database the init Job made, restores it, marks it and grants it to its user", () => {
    const r = run(restoreJobScript(client, target, restoreOptions), { FAKE_EXISTS: "1", FAKE_TABLES: "0" });
    expect(r.status).toBe(0);
    expect(r.dropped).toBe("DROP DATABASE uro RESTRICT\n");
    expect(r.stdin.split("\n").filter(Boolean)).toEqual([
      `RESTORE DATABASE uro FROM LATEST IN '${backupCollectionUrl(target).replace("__AWS_ACCESS_KEY_ID__", KEY_ID).replace("__AWS_SECRET_ACCESS_KEY__", ENCODED_SECRET)}';`,
      "COMMENT ON DATABASE uro IS 'vsekai restore 2026-12-03';",
      "REVOKE ALL ON DATABASE uro FROM public;",
      "REVOKE ALL ON SCHEMA uro.public FROM public;",
      "GRANT ALL ON DATABASE uro TO uro;",
      "GRANT ALL ON SCHEMA uro.public TO uro;",
    ]);
    expect(r.output).toContain(
      "restored database uro from the latest backup in s3://vsekai-backups/prod/cockroachdb",
    );
    expect(r.output).not.toContain(ENCODED_SECRET);
  });

  it("restores without dropping when the database does not exist", () => {
    const r = run(restoreJobScript(client, target, restoreOptions), { FAKE_EXISTS: "0" });
    expect(r.status).toBe(0);
    expect(r.dropped).toBe("");
    expect(r.stdin).toMatch(/^RESTORE DATABASE uro FROM LATEST IN /);
  });

  it("refuses a database that holds tables, with the way forward, and touches nothing", () => {
    const r = run(restoreJobScript(client, target, restoreOptions), { FAKE_EXISTS: "1", FAKE_TABLES: "7" });
    expect(r.status).toBe(REFUSED_EXIT_CODE);
    expect(r.output).toContain(
      "refused: database uro already holds 7 table(s); a restore goes into a new or emptied cluster. Bring the stack up as a new stack (or drop uro yourself after saving what it holds), then set backup.restore.run again",
    );
    expect(r.dropped).toBe("");
    expect(r.stdin).toBe("");
  });

  it("does nothing the second time: the database carries this run's marker", () => {
    const r = run(restoreJobScript(client, target, restoreOptions), {
      FAKE_EXISTS: "1",
      FAKE_TABLES: "7",
      FAKE_COMMENT: "vsekai restore 2026-12-03",
    });
    expect(r.status).toBe(0);
    expect(r.output).toContain(
      "database uro was restored by backup.restore.run 2026-12-03 already; nothing to do",
    );
    expect(r.stdin).toBe("");
  });

  it("a failed RESTORE fails the Job with a hint", () => {
    const r = run(restoreJobScript(client, target, restoreOptions), { FAKE_STDIN_EXIT: "1" });
    expect(r.status).toBe(1);
    expect(r.output).toContain("RESTORE of uro failed (above); is there a backup under the target's prefix?");
  });
});
