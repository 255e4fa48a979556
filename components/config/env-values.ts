import { z } from "zod";

// `pulumi config set --path 'app.env.FEATURE_X' 1` stores the number 1, and `true` the boolean true (the
// CLI coerces a --path value that reads as an integer or a boolean; --type string keeps it text). A
// container's env value is text, so both are passed on as the text they were typed as.

const NOT_TEXT = "a string, number or boolean (env values are passed to the app as text)";

/** An env value as text, or why it cannot be passed on as typed. */
export function envValueText(value: unknown): { text: string } | { problem: string } {
  if (typeof value === "string") return { text: value };
  if (typeof value === "boolean") return { text: String(value) };
  if (typeof value === "number" && Number.isFinite(value)) {
    // The engine hands over exact digits, but JSON.parse rounds integers past 2^53: the app would get
    // another number than the one in the stack file.
    if (Number.isInteger(value) && !Number.isSafeInteger(value)) {
      return {
        problem: `a whole number up to 9007199254740991; a longer one loses digits on the way, so store it as text (\`pulumi config set --type string --path …\`)`,
      };
    }
    return { text: String(value) };
  }
  return { problem: NOT_TEXT };
}

/** The schema of one env value: text, a number or a boolean, always passed on as text. */
export const envValue = z.unknown().transform((value, ctx) => {
  const result = envValueText(value);
  if ("text" in result) return result.text;
  ctx.addIssue({ code: "custom", message: result.problem, input: value });
  return z.NEVER;
});
