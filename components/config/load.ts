import * as pulumi from "@pulumi/pulumi";
import { backupTargetRequiredProblems } from "./backup.ts";
import { ConfigError, CONFIG_NAMESPACE, type ConfigProblem } from "./errors.ts";
import { resolveStackConfig } from "./resolve.ts";
import { SECRET_KEYS } from "./schema.ts";
import type { StackSettings } from "./types.ts";

// The engine marks which config keys were stored encrypted; this is how the SDK itself asks, but the
// function is not in its public typings.
import * as runtimeConfig from "@pulumi/pulumi/runtime/config.js";
const isConfigSecret = (runtimeConfig as unknown as { isConfigSecret: (key: string) => boolean })
  .isConfigSecret;

const STRUCTURED = new Set([
  "cockroach",
  "seaweedfs",
  "app",
  "networking",
  "monitoring",
  "backup",
  "confirmChanges",
  "appSecretEnv",
  "backupCredentials",
]);

/** Reads every `vsekai-infra:*` key as the engine passed it. Objects arrive as JSON text. */
export function readRawConfig(all: Record<string, string>): {
  raw: Record<string, unknown>;
  problems: ConfigProblem[];
} {
  const raw: Record<string, unknown> = {};
  const problems: ConfigProblem[] = [];
  const prefix = `${CONFIG_NAMESPACE}:`;
  for (const [fullKey, text] of Object.entries(all)) {
    if (!fullKey.startsWith(prefix)) continue;
    const key = fullKey.slice(prefix.length);
    if (STRUCTURED.has(key)) {
      try {
        raw[key] = JSON.parse(text);
      } catch {
        problems.push({
          key: fullKey,
          message: `is not an object; set it as YAML under the key, or with --path`,
        });
      }
    } else if (/^(true|false)$/.test(text) || /^-?[0-9]+(\.[0-9]+)?$/.test(text)) {
      raw[key] = JSON.parse(text);
    } else {
      raw[key] = text;
    }
  }
  return { raw, problems };
}

/** Secret settings stored in plain text would sit unencrypted in Pulumi.<stack>.yaml: refuse them. */
export function plaintextSecretProblems(
  raw: Record<string, unknown>,
  isSecret: (fullKey: string) => boolean,
): ConfigProblem[] {
  return SECRET_KEYS.filter((k) => raw[k] !== undefined && !isSecret(`${CONFIG_NAMESPACE}:${k}`)).map(
    (k) => ({
      key: `${CONFIG_NAMESPACE}:${k}`,
      message: `is stored in plain text; remove it and set it again with \`pulumi config set --secret ${k} …\``,
    }),
  );
}

export function loadStackSettings(): StackSettings {
  const { raw, problems } = readRawConfig(pulumi.runtime.allConfig());
  problems.push(...plaintextSecretProblems(raw, isConfigSecret), ...backupTargetRequiredProblems(raw));
  if (problems.length > 0) throw new ConfigError(problems);
  return resolveStackConfig(raw, pulumi.getStack());
}
