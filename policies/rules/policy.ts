import type {
  PolicyConfigSchema,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
} from "@pulumi/policy";
import { workloadOf, type Workload } from "./kubernetes.ts";

// Small pieces every rule module shares: the environment knob, config with defaults applied, and the
// wrapper that hands a rule the workload behind any pod-running resource.

export const ENVIRONMENTS = ["dev", "staging", "prod"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/**
 * The knob for rules that depend on the stack's environment. Unset means prod: a pack run without its
 * config file is judged by the strictest standard, never the loosest.
 */
export const environmentSchema: PolicyConfigSchema = {
  properties: {
    environment: {
      type: "string",
      enum: [...ENVIRONMENTS],
      default: "prod",
      description: "The stack's environment (dev, staging or prod); dev relaxes this rule.",
    },
  },
};

/** The policy's config with the schema's defaults filled in (the CLI does the same; tests may not). */
export function configOf<T extends object>(
  args: ResourceValidationArgs | StackValidationArgs,
  defaults: T,
): T {
  const given = args.getConfig<Partial<T>>();
  const merged: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
  for (const [key, value] of Object.entries(given)) if (value !== undefined) merged[key] = value;
  return merged as T;
}

export function environmentOf(args: ResourceValidationArgs | StackValidationArgs): Environment {
  return configOf<{ environment: Environment }>(args, { environment: "prod" }).environment;
}

/** A validateResource that runs only for resources that run pods. */
export function forWorkloads(
  check: (workload: Workload, args: ResourceValidationArgs, report: ReportViolation) => void,
): NonNullable<ResourceValidationPolicy["validateResource"]> {
  return (args, report) => {
    const workload = workloadOf(args.type, args.props, args.name);
    if (workload) check(workload, args, report);
  };
}

export interface StackWorkload {
  urn: string;
  workload: Workload;
}

/** Every pod-running resource of the stack, with its workload. */
export function stackWorkloads(args: StackValidationArgs): StackWorkload[] {
  return args.resources.flatMap((r) => {
    const workload = workloadOf(r.type, r.props, r.name);
    return workload ? [{ urn: r.urn, workload }] : [];
  });
}
