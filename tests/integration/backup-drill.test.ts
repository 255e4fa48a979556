import { beforeAll, describe, expect, it } from "vitest";
import { runBackupDrill, type DrillFigures } from "../harness/backup-drill.ts";
import { formatDataCheck } from "../harness/data-check.ts";

// The backup drill (tests/harness/backup-drill.ts) as invariants: every object acknowledged before the
// stack was destroyed reached the off-cluster target, and after `pulumi up` and the restore every object is
// back byte-identical and listed, and every row is present. Timings are printed, not asserted
// (`npm run bench:backup` prints the same figures).

let figures: DrillFigures;

beforeAll(async () => {
  figures = await runBackupDrill({ passphrase: "vsekai-test-backup-drill" });
  console.info(
    `backup drill: ${figures.objects} objects (${figures.megabytes.toFixed(1)} MB), ${figures.rows} rows; ` +
      `lag median ${figures.lagSeconds.median.toFixed(1)} s, max ${figures.lagSeconds.max.toFixed(1)} s; ` +
      `${figures.restore.line.trim()}`,
  );
});

describe("backup and restore, drilled on the dev stack", () => {
  it("wrote enough to mean something: objects, bulk megabytes and rows", () => {
    expect(figures.objects).toBeGreaterThan(20);
    expect(figures.megabytes).toBeGreaterThan(20);
    expect(figures.rows).toBeGreaterThan(20);
  });

  it("backed up every acknowledged object to the off-cluster target", () => {
    expect(figures.neverBackedUp).toEqual([]);
  });

  it("restored every object byte-identical and every row, with nothing missing from the listing", () => {
    expect(figures.check.objects.problems, formatDataCheck(figures.check)).toEqual([]);
    expect(figures.check.rows.problems, formatDataCheck(figures.check)).toEqual([]);
    expect(figures.check.objects.intact).toBe(figures.objects);
    expect(figures.check.rows.intact).toBe(figures.rows);
    expect(figures.missingFromListing).toEqual([]);
  });

  it("restored through the stack's restore Job, which copied at least what was acknowledged", () => {
    expect(figures.restore.objects).toBeGreaterThanOrEqual(figures.objects);
  });
});
