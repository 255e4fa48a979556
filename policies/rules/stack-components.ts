import { argv, known, type Container } from "./kubernetes.ts";

// How the pack recognises this stack's programs in a container spec: CockroachDB nodes and clients by
// their `cockroach <command>` line, SeaweedFS servers by `weed <role>`. Recognition goes by the command
// line, not by image or resource names, so a renamed resource or a mirrored image is still checked.

/** Flags of a command line: `--cache=1GiB` / `-peers=a,b` / `--insecure` (value "" for a bare switch). */
export function parseFlags(args: string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (const arg of args) {
    const match = /^--?([A-Za-z0-9][A-Za-z0-9._-]*)(?:=(.*))?$/s.exec(arg);
    if (!match) continue;
    const [, name = "", value = ""] = match;
    flags.set(name, value);
  }
  return flags;
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

export interface ProgramCall {
  /** The subcommand: "start", "init", "node" for cockroach; "master", "volume", "filer", "s3" for weed. */
  command: string;
  flags: Map<string, string>;
  /** Everything after the subcommand. */
  rest: string[];
}

/**
 * `cockroach <command> …` / `weed <role> …` in a container's command line, run directly or through
 * `sh -c "<script>"` (the init Job). For a script, every line that calls the program counts.
 */
function calls(container: Container, program: string): ProgramCall[] {
  const line = argv(container);
  const direct = line.findIndex((a) => basename(a) === program);
  if (direct >= 0) return [subcommand(line.slice(direct + 1))];
  // The official images' entrypoints take the subcommand as the first argument (`args: ["start", …]`).
  const image = known(() => container.image) ?? "";
  if (container.command === undefined && imageRuns(image, program) && container.args?.length) {
    return [subcommand(line)];
  }
  const script = shellScript(line);
  if (script === undefined) return [];
  return script
    .split(/\n|;|&&|\|\||\$\(/)
    .map((statement) => statement.trim().split(/\s+/))
    .flatMap((words) => {
      const at = words.findIndex((w) => basename(w) === program);
      return at < 0 ? [] : [subcommand(words.slice(at + 1))];
    });
}

/** The subcommand and its flags, after any global flags (`weed -logtostderr=true master …`). */
function subcommand(words: string[]): ProgramCall {
  const at = words.findIndex((w) => !w.startsWith("-"));
  if (at < 0) return { command: "", flags: parseFlags(words), rest: words };
  const rest = words.slice(at + 1);
  return { command: words[at] ?? "", flags: parseFlags(rest), rest };
}

function imageRuns(image: string, program: string): boolean {
  const repository = image.split("@")[0]?.replace(/:[^/]*$/, "") ?? "";
  const last = basename(repository);
  return program === "cockroach" ? last === "cockroach" : last === "seaweedfs";
}

/** The script of `sh -c "<script>"` / `bash -c`, if the container runs one. */
function shellScript(line: string[]): string | undefined {
  const shell = line.findIndex((a) => ["sh", "bash", "ash", "dash"].includes(basename(a)));
  if (shell < 0) return undefined;
  const flag = line.findIndex((a, i) => i > shell && /^-[a-z]*c[a-z]*$/.test(a));
  return flag < 0 ? undefined : line[flag + 1];
}

export function cockroachCalls(container: Container): ProgramCall[] {
  return calls(container, "cockroach");
}

/** `cockroach start` / `start-single-node`: the container is a CockroachDB node. */
export function cockroachNode(container: Container): ProgramCall | undefined {
  return cockroachCalls(container).find((c) => c.command === "start" || c.command === "start-single-node");
}

export type WeedRole = "master" | "volume" | "filer" | "s3" | "server";

export function weedCall(container: Container, role: WeedRole): ProgramCall | undefined {
  return calls(container, "weed").find((c) => c.command === role);
}

/** Where a program keeps its data, from its flags: the volumes that must be persistent. */
export function dataDirectories(container: Container): { program: string; flag: string; paths: string[] }[] {
  const found: { program: string; flag: string; paths: string[] }[] = [];
  const node = cockroachNode(container);
  if (node) {
    // `--store=path=/x,size=…` or `--store=/x`; in-memory stores (`type=mem`) keep nothing.
    const store = node.flags.get("store");
    if (store === undefined) {
      // The default store is `cockroach-data` under the image's working directory.
      found.push({ program: "cockroach", flag: "--store", paths: ["/cockroach/cockroach-data"] });
    } else if (!/(^|,)type=mem(,|$)/.test(store)) {
      const path = /(?:^|,)path=([^,]+)/.exec(store)?.[1] ?? (store.includes("=") ? undefined : store);
      if (path) found.push({ program: "cockroach", flag: "--store", paths: [path] });
    }
  }
  const master = weedCall(container, "master");
  if (master)
    found.push({ program: "weed master", flag: "-mdir", paths: [master.flags.get("mdir") ?? "/tmp"] });
  const volume = weedCall(container, "volume");
  if (volume) {
    const dirs = (volume.flags.get("dir") ?? "/tmp").split(",").filter((d) => d !== "");
    found.push({ program: "weed volume", flag: "-dir", paths: dirs });
  }
  return found;
}
