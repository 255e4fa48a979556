import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { SECRET_KEYS } from "./schema.ts";

export const CONFIG_NAMESPACE = "vsekai-infra";

/** One bad setting: which key, what it was, and what is allowed instead. */
export interface ConfigProblem {
  key: string;
  message: string;
}

/**
 * Thrown before any resource is declared. Its message lists every problem at once, so a user fixes the
 * stack file in one pass instead of one error per `pulumi preview`. A RunError, because the SDK's program
 * runner prints those as their message alone: the problem list, without a JavaScript stack under it.
 */
export class ConfigError extends pulumi.RunError {
  readonly problems: ConfigProblem[];
  constructor(problems: ConfigProblem[]) {
    super(
      `invalid stack configuration (nothing was created or changed):\n` +
        problems.map((p) => `  - ${p.key}: ${p.message}`).join("\n"),
    );
    this.name = "ConfigError";
    this.problems = problems;
  }
}

export function configKey(path: readonly PropertyKey[]): string {
  let key = CONFIG_NAMESPACE + ":";
  path.forEach((part, index) => {
    if (typeof part === "number") key += `[${part}]`;
    else key += (index === 0 ? "" : ".") + String(part);
  });
  return key;
}

function isSecretPath(path: readonly PropertyKey[]): boolean {
  return (SECRET_KEYS as readonly PropertyKey[]).includes(path[0] ?? "");
}

/** Renders a value for an error message; secret settings are never echoed. */
export function showValue(path: readonly PropertyKey[], value: unknown): string {
  if (isSecretPath(path)) return "(secret value hidden)";
  if (value === undefined) return "nothing";
  return JSON.stringify(value);
}

function objectShapeAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] | undefined {
  let current: z.ZodType = schema;
  for (const part of [...path, undefined]) {
    while (current instanceof z.ZodOptional || current instanceof z.ZodDefault) {
      current = current.unwrap() as z.ZodType;
    }
    if (part === undefined) break;
    if (current instanceof z.ZodObject) {
      const next = (current.shape as Record<string, z.ZodType>)[String(part)];
      if (!next) return undefined;
      current = next;
    } else if (current instanceof z.ZodArray) {
      current = current.element as z.ZodType;
    } else {
      return undefined;
    }
  }
  return current instanceof z.ZodObject ? Object.keys(current.shape as object) : undefined;
}

export function problemsFromZod(schema: z.ZodType, error: z.ZodError): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of error.issues) {
    if (issue.code === "unrecognized_keys") {
      const allowed = objectShapeAt(schema, issue.path) ?? [];
      for (const unknown of issue.keys) {
        problems.push({
          key: configKey([...issue.path, unknown]),
          message: `unknown setting; allowed here: ${allowed.join(", ")}`,
        });
      }
      continue;
    }
    // Our schemas carry their own wording ("a whole number"); zod's generic text starts "Invalid input".
    const generic = issue.message.startsWith("Invalid input");
    const expected =
      issue.code === "invalid_value"
        ? `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`
        : issue.code === "invalid_type" && generic
          ? `expected ${issue.expected}`
          : `expected ${issue.message}`;
    problems.push({
      key: configKey(issue.path),
      message: `${showValue(issue.path, issue.input)} is not allowed: ${expected}`,
    });
  }
  return problems;
}
