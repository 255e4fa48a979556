import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

/** Build outputs and VCS data: they change without changing what the Dockerfile copies into the image. */
const IGNORED = new Set([".git", "_build", "deps", "node_modules", ".elixir_ls"]);

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => !IGNORED.has(e.name))
    .flatMap((e) => {
      const path = join(dir, e.name);
      if (e.isDirectory()) return files(path);
      return e.isFile() ? [path] : [];
    });
}

/**
 * A tag derived from the build context's content. The image tag must change whenever the code does:
 * that is what rolls the Deployment and names a new migration Job. A content hash does so
 * deterministically (the same tree gives the same tag on every machine, so an unchanged tree is a no-op
 * `up`), unlike a timestamp, and needs no git checkout, unlike a commit SHA.
 */
export function contextTag(context: string): string {
  const hash = createHash("sha256");
  for (const path of files(context).sort()) {
    hash.update(relative(context, path)).update("\0").update(readFileSync(path)).update("\0");
  }
  return `ctx-${hash.digest("hex").slice(0, 16)}`;
}
