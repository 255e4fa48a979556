import { readFileSync } from "node:fs";
import { join } from "node:path";
import yaml from "js-yaml";

export const REPO = join(import.meta.dirname, "..", "..", "..");

/** The raw `vsekai-infra:*` settings of a committed Pulumi.<stack>.yaml, as resolveStackConfig takes them. */
export function stackFileConfig(stack: string): Record<string, unknown> {
  const text = readFileSync(join(REPO, `Pulumi.${stack}.yaml`), "utf8");
  const doc = yaml.load(text) as { config?: Record<string, unknown> };
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(doc.config ?? {})) {
    if (key.startsWith("vsekai-infra:")) raw[key.slice("vsekai-infra:".length)] = value;
  }
  return raw;
}
