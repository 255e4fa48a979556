import { existsSync, readFileSync } from "node:fs";

// Adds up the results of every stage of `npm test`: vitest JSON reports plus the plain checks (type
// check, lint, formatting, workflow lint, cluster smoke) that the runner records one per line as
// "<pass|fail|skip> <name> [reason]". Prints the one closing line CI reads.

interface VitestReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
}

const [checksFile, ...reportFiles] = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;

for (const file of reportFiles) {
  if (!existsSync(file)) {
    console.log(`summary: ${file} is missing: that test stage did not finish; counted as one failure`);
    failed += 1;
    continue;
  }
  const report = JSON.parse(readFileSync(file, "utf8")) as VitestReport;
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + report.numTodoTests;
}

if (checksFile && existsSync(checksFile)) {
  for (const line of readFileSync(checksFile, "utf8").split("\n").filter(Boolean)) {
    const [verdict] = line.split(" ");
    if (verdict === "pass") passed += 1;
    else if (verdict === "skip") skipped += 1;
    else failed += 1;
  }
}

console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 ? 1 : 0);
