/** The smallest valid raw config for an environment, as the engine would hand it over after parsing. */
export function minimalConfig(environment: "dev" | "staging" | "prod" = "prod"): Record<string, unknown> {
  return { environment, app: { image: "ghcr.io/v-sekai/uro:3f2a9c1" } };
}
