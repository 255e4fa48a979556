import type { Policies } from "@pulumi/policy";
import { availabilityPolicies } from "./availability.ts";
import { dataSafetyPolicies } from "./data-safety.ts";
import { networkPolicies } from "./network.ts";
import { podSecurityPolicies } from "./pod-security.ts";
import { resourcesHealthPolicies } from "./resources-health.ts";
import { secretsPolicies } from "./secrets.ts";
import { supplyChainPolicies } from "./supply-chain.ts";

// Every rule of the pack, by concern. Kept apart from `new PolicyPack(...)` (../index.ts), which starts the
// analyzer's gRPC server: tests and the lead's stack checks import the rules without starting anything.

export const PACK_NAME = "vsekai";

export const policies: Policies = [
  ...podSecurityPolicies,
  ...supplyChainPolicies,
  ...resourcesHealthPolicies,
  ...availabilityPolicies,
  ...dataSafetyPolicies,
  ...networkPolicies,
  ...secretsPolicies,
];
