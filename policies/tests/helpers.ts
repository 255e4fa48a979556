import { policies } from "../rules/index.ts";

/** A rule of the pack by name; throws on a typo so a test can never check nothing. */
export function rule(name: string): (typeof policies)[number] {
  const found = policies.find((p) => p.name === name);
  if (!found) throw new Error(`no policy ${name}`);
  return found;
}

export type Props = Record<string, unknown>;
