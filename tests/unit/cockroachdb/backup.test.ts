import { describe, expect, it } from "vitest";
import {
  backupCollectionUrl,
  backupScheduleStatements,
  restoreStatement,
} from "../../../components/cockroachdb/backup.ts";

const target = {
  endpoint: "https://s3.eu-central-1.amazonaws.com",
  bucket: "vsekai-backups",
  prefix: "prod",
  region: "eu-central-1",
  pathStyle: true,
};
const schedule = { full: "0 2 * * *", incremental: "0 * * * *" };

describe("CockroachDB backup SQL", () => {
  it("points at the collection with the endpoint and path style, the keys as placeholders only", () => {
    expect(backupCollectionUrl(target)).toBe(
      "s3://vsekai-backups/prod/cockroachdb?AWS_ENDPOINT=https%3A%2F%2Fs3.eu-central-1.amazonaws.com&AWS_REGION=eu-central-1&AWS_USE_PATH_STYLE=true&AWS_ACCESS_KEY_ID=__AWS_ACCESS_KEY_ID__&AWS_SECRET_ACCESS_KEY=__AWS_SECRET_ACCESS_KEY__",
    );
    expect(backupCollectionUrl({ ...target, prefix: "", pathStyle: false })).toMatch(
      /^s3:\/\/vsekai-backups\/cockroachdb\?AWS_ENDPOINT=[^&]+&AWS_REGION=eu-central-1&AWS_ACCESS_KEY_ID=/,
    );
  });

  it("drops our other schedules and creates this one if missing, under a label that follows the settings", () => {
    const [drop, create] = backupScheduleStatements(target, schedule);
    const label = /CREATE SCHEDULE IF NOT EXISTS (vsekai_backup_[0-9a-f]{10}) /.exec(create ?? "")?.[1];
    expect(label).toBeDefined();
    expect(drop).toBe(
      `DROP SCHEDULES SELECT id FROM [SHOW SCHEDULES] WHERE label LIKE 'vsekai_backup_%' AND label != '${label}'`,
    );
    expect(create).toBe(
      `CREATE SCHEDULE IF NOT EXISTS ${label} FOR BACKUP INTO '${backupCollectionUrl(target)}' RECURRING '0 * * * *' FULL BACKUP '0 2 * * *' WITH SCHEDULE OPTIONS first_run = 'now', on_execution_failure = 'retry', on_previous_running = 'wait', updates_cluster_last_backup_time_metric`,
    );
    expect(backupScheduleStatements(target, schedule)).toEqual([drop, create]);
    const [, changed] = backupScheduleStatements(target, { ...schedule, full: "0 3 * * 0" });
    expect(changed).not.toContain(label);
  });

  it("restores the databases from the newest backup in the collection", () => {
    expect(restoreStatement(target, ["uro", "seaweedfs"])).toBe(
      `RESTORE DATABASE uro, seaweedfs FROM LATEST IN '${backupCollectionUrl(target)}'`,
    );
  });
});
