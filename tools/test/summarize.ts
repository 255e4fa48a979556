import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";

// Adds up the results of every stage of `npm test`: vitest JSON reports plus the plain checks (type
// check, lint, formatting, workflow lint, cluster smoke) that the runner records one per line as
// "<pass|fail|skip> <name> [reason]". Prints the one closing line CI reads.

interface VitestReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  testResults?: {
    name: string;
    status: string;
    message?: string;
    assertionResults?: { fullName: string; status: string; failureMessages?: string[] }[];
  }[];
}

// CI keeps only the tail of the output, and vitest prints its failures above much else: a short digest of
// every failure, and of whatever a suite left for it (a scenario table, say), goes right before the closing
// line so that the tail alone says what broke and why.
const DIGEST_LINES_PER_FAILURE = 6;
const ANSI_COLOUR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");
const plain = (text: string) => text.replace(ANSI_COLOUR, "");

function firstLines(text: string, count: number): string[] {
  const lines = plain(text)
    .split("\n")
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== "" && !/^\s+at |^\s*❯ /.test(l));
  return lines.slice(0, count).map((l) => `    ${l.slice(0, 240)}`);
}

function brokenFiles(report: VitestReport): number {
  return (report.testResults ?? []).filter(
    (suite) =>
      suite.status === "failed" && !(suite.assertionResults ?? []).some((test) => test.status === "failed"),
  ).length;
}

function failuresOf(report: VitestReport, file: string): string[] {
  const lines: string[] = [];
  for (const suite of report.testResults ?? []) {
    const where = suite.name.replace(/^.*\/tests\//, "tests/");
    if (suite.status === "failed" && suite.message) {
      lines.push(
        `  ${where} (the file itself: a hook or an import)`,
        ...firstLines(suite.message, DIGEST_LINES_PER_FAILURE),
      );
    }
    for (const test of suite.assertionResults ?? []) {
      if (test.status !== "failed") continue;
      lines.push(`  ${where} > ${test.fullName}`);
      for (const message of test.failureMessages ?? [])
        lines.push(...firstLines(message, DIGEST_LINES_PER_FAILURE));
    }
  }
  return lines.length > 0 ? [`${file}:`, ...lines] : [];
}

const [checksFile, ...reportFiles] = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;
const digest: string[] = [];

for (const file of reportFiles) {
  if (!existsSync(file)) {
    console.log(`summary: ${file} is missing: that test stage did not finish; counted as one failure`);
    failed += 1;
    continue;
  }
  const report = JSON.parse(readFileSync(file, "utf8")) as VitestReport;
  digest.push(...failuresOf(report, basename(file)));
  passed += report.numPassedTests;
  // A file that fails in a hook or on import reports its tests as skipped, not failed: count the file
  // itself as one failure, or a suite whose setup broke would pass CI unseen.
  failed += report.numFailedTests + brokenFiles(report);
  skipped += report.numPendingTests + report.numTodoTests;
}

if (checksFile && existsSync(checksFile)) {
  for (const line of readFileSync(checksFile, "utf8").split("\n").filter(Boolean)) {
    const [verdict] = line.split(" ");
    if (verdict === "pass") passed += 1;
    else if (verdict === "skip") {
      skipped += 1;
      digest.push(`check skipped: ${line.slice(5)}`);
    } else {
      failed += 1;
      if (verdict === "fail") digest.push(`check failed: ${line.slice(5)}`);
    }
  }
}

// Notes a suite wrote for the digest (e.g. the HA scenario table), next to the reports.
const resultsDir = reportFiles[0] === undefined ? undefined : dirname(reportFiles[0]);
const notes =
  resultsDir === undefined
    ? []
    : readdirSync(resultsDir)
        .filter((f) => f.endsWith(".digest.txt"))
        .sort();

if (digest.length > 0 || notes.length > 0) {
  console.log("\n==> digest (what failed, and what the live suites noted)");
  for (const note of notes) console.log(readFileSync(join(resultsDir ?? ".", note), "utf8").trimEnd());
  for (const line of digest) console.log(line);
}

console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 ? 1 : 0);
