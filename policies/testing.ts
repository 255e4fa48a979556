import {
  UnknownValueError,
  unknownCheckingProxy,
  type EnforcementLevel,
  type Policies,
  type PolicyResource,
  type PolicyResourceOptions,
  type ResourceValidationArgs,
  type ResourceValidationPolicy,
  type StackValidationArgs,
  type StackValidationPolicy,
} from "@pulumi/policy";
import { policies as packPolicies } from "./rules/index.ts";

// Runs the pack's rules the way the policy analyzer does, without the engine: validation args shaped like
// the engine's (type, camelCase input props, urn, name, opts, per-policy config), the same enforcement-level
// resolution (policy entry > "all" > the policy's own > the pack's "mandatory"), remediations before
// validations at level "remediate", and the engine's advisory when a rule reads a value unknown in preview.

export interface TestResource {
  type: string;
  name: string;
  props: Record<string, unknown>;
  urn?: string;
  /** The resource options the engine would pass (protect, deleteBeforeReplace…); unset ones are defaults. */
  opts?: Partial<PolicyResourceOptions>;
}

export interface Violation {
  policy: string;
  level: Exclude<EnforcementLevel, "disabled" | "remediate">;
  message: string;
  urn?: string;
}

type PolicyEntry = EnforcementLevel | ({ enforcementLevel?: EnforcementLevel } & Record<string, unknown>);
/** The JSON `pulumi preview --policy-pack-config` takes: {"all": level, "<policy>": level | {…}}. */
export type PackConfig = Record<string, PolicyEntry>;

const PACK_LEVEL: EnforcementLevel = "mandatory";
const LEVELS: EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

export function urnOf(resource: TestResource): string {
  return resource.urn ?? `urn:pulumi:test::vsekai-infra::${resource.type}::${resource.name}`;
}

const NO_OPTIONS: PolicyResourceOptions = {
  protect: false,
  ignoreChanges: [],
  aliases: [],
  customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
  additionalSecretOutputs: [],
};

function isType(type: string, resourceClass: unknown): boolean {
  return (resourceClass as { __pulumiType?: string } | undefined)?.__pulumiType === type;
}

function notApplicable(reason?: string): never {
  throw new Error(`not applicable: ${reason ?? ""}`);
}

/** A policy's config from a pack config, checked against its schema, with the schema's defaults. */
export function policyConfig(policy: Policies[number], config: PackConfig = {}): Record<string, unknown> {
  const entry = config[policy.name];
  const given = typeof entry === "object" ? { ...entry } : {};
  delete given.enforcementLevel;
  const schema = policy.configSchema?.properties ?? {};
  for (const key of Object.keys(given)) {
    if (!(key in schema))
      throw new Error(`config for ${policy.name} sets ${key}, which its configSchema does not have`);
  }
  const withDefaults: Record<string, unknown> = {};
  for (const [key, property] of Object.entries(schema)) {
    const value = key in given ? given[key] : (property as { default?: unknown }).default;
    if (value !== undefined) withDefaults[key] = structuredClone(value);
  }
  return withDefaults;
}

export function resourceArgs(
  resource: TestResource,
  policy: Policies[number],
  config: PackConfig = {},
): ResourceValidationArgs {
  const props = unknownCheckingProxy(structuredClone(resource.props)) as Record<string, unknown>;
  return {
    type: resource.type,
    props,
    urn: urnOf(resource),
    name: resource.name,
    opts: { ...NO_OPTIONS, ...resource.opts },
    stackTags: new Map(),
    isType: (cls) => isType(resource.type, cls),
    asType: ((cls: unknown) =>
      isType(resource.type, cls) ? props : undefined) as ResourceValidationArgs["asType"],
    getConfig: <T extends object>() => policyConfig(policy, config) as T,
    notApplicable,
  };
}

export function stackArgs(
  resources: TestResource[],
  policy: Policies[number],
  config: PackConfig = {},
): StackValidationArgs {
  return {
    resources: resources.map((r): PolicyResource => {
      const props = unknownCheckingProxy(structuredClone(r.props)) as Record<string, unknown>;
      return {
        type: r.type,
        props,
        urn: urnOf(r),
        name: r.name,
        opts: { ...NO_OPTIONS, ...r.opts },
        dependencies: [],
        propertyDependencies: {},
        isType: (cls) => isType(r.type, cls),
        asType: ((cls: unknown) => (isType(r.type, cls) ? props : undefined)) as PolicyResource["asType"],
      };
    }),
    stackTags: new Map(),
    getConfig: <T extends object>() => policyConfig(policy, config) as T,
    notApplicable,
  };
}

function isResourcePolicy(p: Policies[number]): p is ResourceValidationPolicy {
  return "validateResource" in p && p.validateResource !== undefined;
}

function isStackPolicy(p: Policies[number]): p is StackValidationPolicy {
  return "validateStack" in p && typeof p.validateStack === "function";
}

/** The messages one resource policy reports for one resource. */
export async function resourceMessages(
  policy: Policies[number],
  resource: TestResource,
  config: PackConfig = {},
): Promise<string[]> {
  if (!isResourcePolicy(policy)) throw new Error(`${policy.name} is not a resource policy`);
  const messages: string[] = [];
  const validations = Array.isArray(policy.validateResource)
    ? policy.validateResource
    : [policy.validateResource];
  for (const validate of validations) {
    await validate?.(resourceArgs(resource, policy, config), (message) => messages.push(message));
  }
  return messages;
}

/** The violations one stack policy reports for a set of resources. */
export async function stackViolations(
  policy: Policies[number],
  resources: TestResource[],
  config: PackConfig = {},
): Promise<{ message: string; urn?: string }[]> {
  if (!isStackPolicy(policy)) throw new Error(`${policy.name} is not a stack policy`);
  const found: { message: string; urn?: string }[] = [];
  await policy.validateStack(stackArgs(resources, policy, config), (message, urn) =>
    found.push({ message, urn }),
  );
  return found;
}

/** What a remediation makes of a resource's props (the props unchanged when it does nothing). */
export async function remediated(
  policy: Policies[number],
  resource: TestResource,
  config: PackConfig = {},
): Promise<Record<string, unknown>> {
  if (!isResourcePolicy(policy) || !policy.remediateResource) {
    throw new Error(`${policy.name} has no remediation`);
  }
  const args = resourceArgs(resource, policy, config);
  const result = await policy.remediateResource(args);
  // Through the engine's proxies, as the engine serializes what a remediation returns.
  return JSON.parse(JSON.stringify(result ?? args.props)) as Record<string, unknown>;
}

export function enforcementLevel(policy: Policies[number], config: PackConfig = {}): EnforcementLevel {
  const entry = config[policy.name];
  const all = config.all;
  const level =
    (typeof entry === "string" ? entry : entry?.enforcementLevel) ??
    (typeof all === "string" ? all : all?.enforcementLevel) ??
    policy.enforcementLevel ??
    PACK_LEVEL;
  if (!LEVELS.includes(level))
    throw new Error(`${policy.name}: unknown enforcement level ${JSON.stringify(level)}`);
  return level;
}

/** Refuses config entries that name no policy of the pack: a typo would otherwise silently do nothing. */
export function checkPackConfig(config: PackConfig, policies: Policies = packPolicies): void {
  const names = new Set(policies.map((p) => p.name));
  for (const key of Object.keys(config)) {
    if (key !== "all" && !names.has(key))
      throw new Error(`config names ${key}, which is not a policy of the pack`);
  }
  for (const p of policies) {
    enforcementLevel(p, config);
    policyConfig(p, config);
  }
}

function unknownAdvisory(policy: string, error: UnknownValueError, urn?: string): Violation {
  return {
    policy,
    level: "advisory",
    message: `can't run policy '${policy}' during preview: ${error.message}`,
    urn,
  };
}

/**
 * Runs the whole pack over a stack's resources with one environment's config (policies/<env>.json) and
 * returns every violation, resource policies first (in resource order), then stack policies.
 */
export async function runPack(
  resources: TestResource[],
  config: PackConfig = {},
  policies: Policies = packPolicies,
): Promise<Violation[]> {
  checkPackConfig(config, policies);
  const violations: Violation[] = [];
  for (const resource of resources) {
    for (const policy of policies) {
      const configured = enforcementLevel(policy, config);
      if (configured === "disabled" || !isResourcePolicy(policy)) continue;
      const level = configured === "remediate" ? "mandatory" : configured;
      let subject = resource;
      try {
        if (configured === "remediate" && policy.remediateResource) {
          subject = { ...resource, props: await remediated(policy, resource, config) };
        }
        for (const message of await resourceMessages(policy, subject, config)) {
          violations.push({ policy: policy.name, level, message, urn: urnOf(resource) });
        }
      } catch (e) {
        if (!(e instanceof UnknownValueError)) throw e;
        violations.push(unknownAdvisory(policy.name, e, urnOf(resource)));
      }
    }
  }
  for (const policy of policies) {
    const configured = enforcementLevel(policy, config);
    if (configured === "disabled" || !isStackPolicy(policy)) continue;
    const level = configured === "remediate" ? "mandatory" : configured;
    try {
      for (const v of await stackViolations(policy, resources, config)) {
        violations.push({ policy: policy.name, level, message: v.message, urn: v.urn });
      }
    } catch (e) {
      if (!(e instanceof UnknownValueError)) throw e;
      violations.push(unknownAdvisory(policy.name, e));
    }
  }
  return violations;
}
