import { ConfigError } from "../../../components/config/errors.ts";
import { resolveStackConfig } from "../../../components/config/resolve.ts";

/** The smallest valid raw config for an environment, as the engine would hand it over after parsing. */
export function minimalConfig(environment: "dev" | "staging" | "prod" = "prod"): Record<string, unknown> {
  return { environment, app: { image: "ghcr.io/v-sekai/uro:3f2a9c1" } };
}

/** Resolves and returns the problems as "key: message" lines; fails the test if resolution succeeds. */
export function problems(raw: Record<string, unknown>, stack = "prod"): string[] {
  try {
    resolveStackConfig(raw, stack);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems.map((p) => `${p.key}: ${p.message}`);
  }
  throw new Error("expected a ConfigError");
}
