import { mebibytes, memoryBytes } from "../shared/quantity.ts";

// What a CockroachDB node count or memory limit must be, checked while the config is resolved.

/** Below this, a node cannot keep its cache and SQL memory apart from its heap; refuse it in validation. */
export const MIN_NODE_MEMORY_MIB = 1024;

/**
 * A problem with a node count on its own, or undefined. Two nodes cannot hold a majority of three replicas
 * after losing one, so they are less available than one node while costing twice as much; refuse them.
 */
export function nodeCountProblem(nodes: number): string | undefined {
  if (nodes === 2) {
    return `2 is not allowed: with two nodes the loss of either stops every range (no majority of three replicas); use 1 for dev or 3 and more`;
  }
  return undefined;
}

/**
 * A problem with a node memory setting, or undefined when it is fine. For config validation
 * (resolve.ts), which can name the key; the component trusts what validation let through.
 */
export function nodeMemoryProblem(limit: string): string | undefined {
  const bytes = memoryBytes(limit);
  if (bytes === undefined) return `${JSON.stringify(limit)} is not a memory quantity such as 4Gi`;
  if (mebibytes(bytes) < MIN_NODE_MEMORY_MIB) {
    return `${JSON.stringify(limit)} is not allowed: a CockroachDB node needs at least ${MIN_NODE_MEMORY_MIB}Mi (a quarter each for cache and SQL memory, the rest for its heap)`;
  }
  return undefined;
}

/** CockroachDB refuses user names longer than this. */
export const MAX_USER_NAME_LENGTH = 63;

/**
 * The app's login at a generation: 0 is the user that owns the app's database, N a login `<user>_g<N>`
 * that is a member of it (components/cockroachdb/app-logins.ts).
 */
export function appLoginName(user: string, generation: number): string {
  return generation === 0 ? user : `${user}_g${generation}`;
}

interface AppLoginProblem {
  setting: "appLoginGeneration" | "filerUser";
  message: string;
}

/** Problems with rotating the app's login, by the setting to name; empty when it can be done. */
export function appLoginProblems(o: {
  user: string;
  filerUser: string;
  generation: number;
  tls: boolean;
}): AppLoginProblem[] {
  const problems: AppLoginProblem[] = [];
  const login = appLoginName(o.user, o.generation);
  if (o.generation > 0 && !o.tls) {
    problems.push({
      setting: "appLoginGeneration",
      message: `${o.generation} is not allowed: cockroach.tls is false, and an insecure cluster checks no password, so a new login would keep out no one; turn cockroach.tls on, or keep 0`,
    });
  }
  if (login.length > MAX_USER_NAME_LENGTH) {
    problems.push({
      setting: "appLoginGeneration",
      message: `${o.generation} is not allowed: the login it makes, ${JSON.stringify(login)}, is longer than the ${MAX_USER_NAME_LENGTH} characters CockroachDB allows a user name; use a shorter cockroach.user`,
    });
  }
  if (new RegExp(`^${o.user}_g[0-9]+$`).test(o.filerUser)) {
    problems.push({
      setting: "filerUser",
      message: `${JSON.stringify(o.filerUser)} is not allowed: names of the form ${o.user}_g<N> are the app's rotated logins (cockroach.appLoginGeneration), which a rotation stops; choose another name`,
    });
  }
  return problems;
}
