import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

// components/config is the bottom layer: every component reads its settings from it, so it may depend on
// nothing above it (no app, cockroachdb, seaweedfs, networking, …). The only modules it may use from
// outside its folder are shared leaves, which themselves import nothing of the project.

const ROOT = resolve(import.meta.dirname, "../../..");
const CONFIG = join(ROOT, "components/config");

const relativeImports = (file: string): string[] =>
  [...readFileSync(file, "utf8").matchAll(/(?:import|export)[^;]*?from\s+"(\.{1,2}\/[^"]+)"/g)].map((m) =>
    resolve(dirname(file), m[1] ?? ""),
  );

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );

/** Every import of a config module that leaves the folder and is not a leaf module, as "from -> to". */
function layeringViolations(): string[] {
  const violations: string[] = [];
  for (const file of sourceFiles(CONFIG)) {
    for (const target of relativeImports(file)) {
      if (target.startsWith(CONFIG + "/")) continue;
      const leaf = relativeImports(target).length === 0;
      if (!leaf) violations.push(`${relative(ROOT, file)} -> ${relative(ROOT, target)}`);
    }
  }
  return violations;
}

describe("components/config depends on nothing above it", () => {
  it("imports only its own modules and project modules that import nothing", () => {
    expect(layeringViolations()).toEqual([]);
  });

  it("sees the imports it checks (a config module that imports no shared leaf would make this vacuous)", () => {
    const outside = sourceFiles(CONFIG).flatMap((f) =>
      relativeImports(f).filter((t) => !t.startsWith(CONFIG + "/")),
    );
    expect(outside.map((t) => relative(ROOT, t))).toContain("components/shared/quantity.ts");
  });
});
