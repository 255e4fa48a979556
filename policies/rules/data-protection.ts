import type { PolicyResourceOptions, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { kindOf, known, namespaceOf, quote, UNKNOWN_NAMESPACE, type ObjectMeta } from "./kubernetes.ts";
import { environmentOf, environmentSchema, type Environment } from "./policy.ts";

// Data safety, continued: no stateful workload or claim is replaced or deleted by accident.
//
// A policy is never told what the engine plans for a resource (create, update, replace, delete): the
// analyzer gets the new inputs and the resource options, and a resource the program no longer declares is
// not sent at all. What it can see is `protect`, and the engine refuses to delete or to replace a resource
// that is protected in the program and in state (the preview already fails). So "no stateful workload or
// claim is planned for replacement or deletion" is checked as "every one is protected": a changed
// volumeClaimTemplates (which the Kubernetes provider replaces), a rename, a changed parent or a
// `pulumi destroy` then stops with the engine's error before anything is touched. Not checkable here:
// `retainOnDelete` and `replaceOnChanges` (the analyzer protocol does not carry them), the live object (no
// claim size to compare with), and the first `up` that turns protection on, which can still replace (the
// engine wants protect in state too).

interface HeldData {
  /** e.g. `StatefulSet "vsekai-cockroachdb"`. */
  what: string;
  /** The claim templates of a StatefulSet; empty for a PVC, which is the claim. */
  claims: string[];
}

/** What data a resource holds, or undefined when it holds none of its own. */
function heldData(type: string, props: Record<string, unknown>, resourceName: string): HeldData | undefined {
  const kind = kindOf(type);
  const name = quote(known(() => (props.metadata as ObjectMeta | undefined)?.name) ?? resourceName);
  if (kind === "PersistentVolumeClaim") return { what: `PersistentVolumeClaim ${name}`, claims: [] };
  if (kind !== "StatefulSet") return undefined;
  const spec = props.spec as { volumeClaimTemplates?: { metadata?: { name?: string } }[] } | undefined;
  const templates = known(() => spec?.volumeClaimTemplates) ?? [];
  if (templates.length === 0) return undefined;
  return { what: `StatefulSet ${name}`, claims: templates.map((t) => known(() => t.metadata?.name) ?? "?") };
}

const HOW_TO_PROTECT = "register it with protect (vsekai-infra:protectData: true)";

function unprotectedMessages(
  held: HeldData,
  opts: PolicyResourceOptions,
  environment: Environment,
): string[] {
  const messages: string[] = [];
  const keeps = held.claims.length > 0 ? ` keeps data on its claims (${held.claims.join(", ")}) and` : "";
  if (!opts.protect) {
    messages.push(
      `${held.what}${keeps} is not protected: in ${environment} its replacement (a changed claim template) ` +
        `or deletion (a rename, a removal, pulumi destroy) would go ahead; ${HOW_TO_PROTECT}`,
    );
  }
  if (opts.deleteBeforeReplace === true) {
    messages.push(
      `${held.what} asks for deleteBeforeReplace: a replacement would delete it, and stop its pods, before ` +
        `its successor exists; leave the option unset`,
    );
  }
  return messages;
}

export const protectStatefulData: ResourceValidationPolicy = {
  name: "protect-stateful-data",
  description:
    "Outside dev, a StatefulSet with volumeClaimTemplates and a PersistentVolumeClaim must be protected " +
    "(Pulumi protect) and not deleteBeforeReplace: a policy cannot see what the engine plans, but the " +
    "engine refuses to replace or delete a protected resource, so a claim-template change, a rename, a " +
    "refactor or `pulumi destroy` stops before any data is touched.",
  configSchema: environmentSchema,
  validateResource: (args, report) => {
    const environment = environmentOf(args);
    if (environment === "dev") return;
    const held = heldData(args.type, args.props, args.name);
    if (held) for (const message of unprotectedMessages(held, args.opts, environment)) report(message);
  },
};

export const protectDataNamespace: StackValidationPolicy = {
  name: "protect-data-namespace",
  description:
    "Outside dev, a Namespace the stack declares that holds a stateful workload's claims or a " +
    "PersistentVolumeClaim must be protected (Pulumi protect): deleting a namespace deletes every claim in " +
    "it, whatever the StatefulSets' persistentVolumeClaimRetentionPolicy says.",
  configSchema: environmentSchema,
  validateStack: (args, report) => {
    const environment = environmentOf(args);
    if (environment === "dev") return;
    const holders = new Map<string, string[]>();
    for (const r of args.resources) {
      const held = heldData(r.type, r.props, r.name);
      const namespace = namespaceOf(r.props.metadata as ObjectMeta | undefined);
      if (!held || namespace === UNKNOWN_NAMESPACE) continue;
      holders.set(namespace, [...(holders.get(namespace) ?? []), held.what]);
    }
    for (const r of args.resources) {
      if (kindOf(r.type) !== "Namespace" || r.opts.protect) continue;
      const name = known(() => (r.props.metadata as ObjectMeta | undefined)?.name);
      const held = name === undefined ? undefined : holders.get(name);
      if (name === undefined || held === undefined) continue;
      report(
        `Namespace ${quote(name)} holds the data of ${held.sort().join(", ")} and is not protected: in ` +
          `${environment} deleting it deletes every claim in it; ${HOW_TO_PROTECT}`,
        r.urn,
      );
    }
  },
};
