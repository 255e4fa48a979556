import { configKey, type ConfigProblem } from "./errors.ts";
import type { AppPort } from "./types.ts";

// Each app env variable has one source. The API server accepts a container with a repeated env name (it
// only warns) and the container sees the last entry, so a second source would silently win over the
// first: a port variable over another port's, app.env over a generated secret.

/** Generated secrets the app component itself always generates (and may list again). */
const ALWAYS_GENERATED = ["SECRET_KEY_BASE", "RELEASE_COOKIE"];

export interface EnvSources {
  /** Variables the stack sets itself. */
  managed: readonly string[];
  ports: AppPort[];
  env: Record<string, string>;
  generatedSecrets: string[];
}

/** Port variables repeated across ports, and generated secrets some other source already sets. */
export function envSourceProblems(sources: EnvSources): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const portOf = new Map<string, number>();
  sources.ports.forEach((p, i) => {
    if (p.envVar === undefined) return;
    const first = portOf.get(p.envVar);
    if (first === undefined) portOf.set(p.envVar, i);
    else
      problems.push({
        key: configKey(["app", "ports", i, "envVar"]),
        message: `${JSON.stringify(p.envVar)} is not allowed: app.ports[${first}] already sets it; each variable has one source`,
      });
  });
  sources.generatedSecrets.forEach((name, i) => {
    const other =
      sources.managed.includes(name) && !ALWAYS_GENERATED.includes(name)
        ? "the stack sets that variable itself"
        : portOf.has(name)
          ? `app.ports[${portOf.get(name)}] sets it`
          : name in sources.env
            ? `app.env sets it too`
            : undefined;
    if (other !== undefined)
      problems.push({
        key: configKey(["app", "generatedSecrets", i]),
        message: `${JSON.stringify(name)} is not allowed: ${other}; each variable has one source`,
      });
  });
  return problems;
}
