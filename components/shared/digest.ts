import { createHash } from "node:crypto";

/** Hex SHA-256 of the parts, one per line: for annotations whose change must roll or re-run something. */
export function sha256(...parts: string[]): string {
  return createHash("sha256").update(parts.join("\n")).digest("hex");
}
