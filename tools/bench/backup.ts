import { runBackupDrill } from "../../tests/harness/backup-drill.ts";

// `npm run bench:backup`: the backup drill on the dev stack (tests/harness/backup-drill.ts), figures only;
// the integration test asserts that nothing was lost. Targets beside the figures.

const figures = await runBackupDrill({ passphrase: "vsekai-bench-backup" });
const f = (n: number) => n.toFixed(1);
console.log(
  `\nbackup drill, dev stack (${figures.objects} objects, ${f(figures.megabytes)} MB, ${figures.rows} rows)`,
);
console.log(
  `backup lag under steady writes (acknowledged -> listed in the target): median ${f(figures.lagSeconds.median)} s, ` +
    `max ${f(figures.lagSeconds.max)} s (target ≤ 60 s); never backed up: ${figures.neverBackedUp.length}`,
);
console.log(
  `restore Job: ${figures.restore.objects} objects, ${f(figures.restore.megabytes)} MB in ${f(figures.restore.seconds)} s ` +
    `= ${f(figures.restore.megabytesPerSecond)} MB/s (target ≥ 50 MB/s); pulumi up with the restore: ` +
    `${f(figures.restoreUpSeconds)} s`,
);
const c = figures.check;
console.log(
  `after restore: objects ${c.objects.intact}/${c.objects.acknowledged} intact, rows ${c.rows.intact}/${c.rows.acknowledged}, ` +
    `missing from the listing: ${figures.missingFromListing.length}`,
);
