import { readFileSync } from "node:fs";
import { join } from "node:path";

// The images tools/images/build.sh makes, by the variable versions.env pins them under (the one place).

export const VERSIONS_FILE = join(import.meta.dirname, "..", "images", "versions.env");

/** The image versions.env names under `variable`, e.g. SEAWEEDFS_IMAGE. */
export function pinnedImage(variable: string, versionsFile = VERSIONS_FILE): string {
  const image = new RegExp(`^${variable}=(\\S+)$`, "m").exec(readFileSync(versionsFile, "utf8"))?.[1];
  if (image === undefined) throw new Error(`${versionsFile} names no ${variable}`);
  return image;
}
