// The stack's alert rules and dashboard queries, checked by Prometheus' own promtool (built from the Go
// module by tools/monitoring/build.sh): the rule files parse, every alert fires on its test series and stays
// quiet on a healthy one (tests/monitoring/rules/*.test.yaml), and every dashboard panel's query parses.
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import yaml from "js-yaml";
import { afterAll, describe, expect, it } from "vitest";
import {
  alertGroups,
  rulesFile,
  systemDashboards,
  type MonitoredStack,
} from "../../components/monitoring/index.ts";
import { promtoolDevStack, promtoolProdStack } from "./fixture.ts";

const RULE_TESTS = join(import.meta.dirname, "rules");
const PROMTOOL_SECONDS = 120;

function findPromtool(): string {
  const dirs = [process.env.VSEKAI_MONITORING_BIN, ...(process.env.PATH ?? "").split(delimiter)];
  for (const dir of dirs) {
    if (dir && existsSync(join(dir, "promtool"))) return join(dir, "promtool");
  }
  throw new Error(
    'promtool not found: build it with eval "$(bash tools/monitoring/build.sh --print-env)" (npm test does), ' +
      "which sets VSEKAI_MONITORING_BIN",
  );
}

const promtool = findPromtool();
const work = mkdtempSync(join(tmpdir(), "vsekai-promtool-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(args: string[], cwd = work): { status: number | null; output: string } {
  const result = spawnSync(promtool, args, { cwd, encoding: "utf8", timeout: PROMTOOL_SECONDS * 1000 });
  if (result.error) throw result.error;
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

function writeRules(name: string, stack: MonitoredStack): string {
  const path = join(work, name);
  writeFileSync(path, rulesFile(alertGroups(stack).map((g) => g.group)));
  return path;
}

interface RuleTestFile {
  rule_files: string[];
  tests: { alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[];
}

const stacks = { "prod.rules.json": promtoolProdStack(), "dev.rules.json": promtoolDevStack() };

describe("alert rules under promtool", () => {
  it("pass promtool check rules", () => {
    for (const [name, stack] of Object.entries(stacks)) {
      const count = alertGroups(stack).reduce((n, g) => n + g.group.rules.length, 0);
      const { status, output } = run(["check", "rules", writeRules(name, stack)]);
      expect(output).toContain(`SUCCESS: ${count} rules found`);
      expect(status, output).toBe(0);
    }
  });

  it("pass promtool test rules: each alert fires on its series and stays quiet on healthy ones", () => {
    for (const [name, stack] of Object.entries(stacks)) writeRules(name, stack);
    const files = readdirSync(RULE_TESTS).filter((f) => f.endsWith(".test.yaml"));
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const file of files) copyFileSync(join(RULE_TESTS, file), join(work, file));
    const { status, output } = run(["test", "rules", ...files]);
    expect(output.match(/SUCCESS/g)?.length, output).toBe(files.length);
    expect(status, output).toBe(0);
  });

  it("have a firing and a quiet test case for every alert of the prod stack", () => {
    const cases = readdirSync(RULE_TESTS)
      .filter((f) => f.endsWith(".test.yaml"))
      .map((f) => yaml.load(readFileSync(join(RULE_TESTS, f), "utf8")) as RuleTestFile)
      .filter((t) => t.rule_files.includes("prod.rules.json"))
      .flatMap((t) => t.tests.flatMap((g) => g.alert_rule_test ?? []));
    const fires = new Set(cases.filter((c) => (c.exp_alerts ?? []).length > 0).map((c) => c.alertname));
    const quiet = new Set(cases.filter((c) => (c.exp_alerts ?? []).length === 0).map((c) => c.alertname));
    const alerts = alertGroups(stacks["prod.rules.json"]).flatMap((g) => g.group.rules.map((r) => r.alert));
    expect(alerts).toHaveLength(27);
    expect(alerts.filter((a) => !fires.has(a))).toEqual([]);
    expect(alerts.filter((a) => !quiet.has(a))).toEqual([]);
  });

  it("would catch a query Prometheus cannot parse (the check is real)", () => {
    const path = join(work, "broken.rules.json");
    writeFileSync(
      path,
      JSON.stringify({ groups: [{ name: "broken", rules: [{ record: "x", expr: "sum(rate(up[5m])" }] }] }),
    );
    const { status, output } = run(["check", "rules", path]);
    expect(status).not.toBe(0);
    expect(output).toMatch(/unclosed left parenthesis|parse error/);
  });
});

describe("dashboards under promtool", () => {
  it("are JSON whose every panel query parses as PromQL", () => {
    for (const [name, stack] of Object.entries(stacks)) {
      const dashboards = systemDashboards(stack).map((d) => ({
        system: d.system,
        // Parsed back from the text the ConfigMap carries.
        model: JSON.parse(JSON.stringify(d.dashboard, null, 2)) as {
          uid: string;
          panels: { id: number; targets: { refId: string; expr: string }[] }[];
        },
      }));
      const groups = dashboards.map(({ system, model }) => ({
        name: `dashboard-${model.uid}`,
        rules: model.panels.flatMap((p) =>
          p.targets.map((t) => ({
            record: `vsekai_dashboard:${system}:panel_${p.id}_${t.refId}`,
            expr: t.expr,
          })),
        ),
      }));
      const count = groups.reduce((n, g) => n + g.rules.length, 0);
      expect(count).toBeGreaterThan(20);
      const path = join(work, `dashboards-${name}`);
      writeFileSync(path, JSON.stringify({ groups }, null, 2));
      const { status, output } = run(["check", "rules", path]);
      expect(output).toContain(`SUCCESS: ${count} rules found`);
      expect(status, output).toBe(0);
    }
  });
});
