import { readFileSync } from "node:fs";
import { join } from "node:path";
import yaml from "js-yaml";
import { resolveStackConfig } from "../../../components/config/resolve.ts";
import { VSekaiStack } from "../../../components/stack/component.ts";
import { installMocks, settle, valueOf, type MockState } from "../harness.ts";

export const REPO = join(import.meta.dirname, "..", "..", "..");

/** Every committed Pulumi.<stack>.yaml; each is checked under policies/<stack>.json. */
export const COMMITTED_STACKS = ["dev", "staging", "prod", "ha"] as const;

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

/** The whole program for a committed stack file (plus overrides) under mocks, every registration settled. */
export async function declaredStack(
  stack: string,
  overrides: Record<string, unknown> = {},
): Promise<MockState> {
  const mocks = installMocks("vsekai-infra", stack);
  const raw = { ...stackFileConfig(stack), ...overrides };
  const component = new VSekaiStack("vsekai", resolveStackConfig(raw, stack));
  await valueOf(component.appUrl);
  await settle();
  return mocks;
}
