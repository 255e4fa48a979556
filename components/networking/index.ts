export {
  ENVIRONMENT_LABEL,
  NetworkPolicies,
  REASONS_ANNOTATION,
  StackNetwork,
  type NetworkPoliciesArgs,
  type StackNetworkArgs,
} from "./component.ts";
export { entrances, exposures, type ExposableEndpoint, type Exposure } from "./exposure.ts";
export { mergeFlows, policiesFor, type Entrance, type PolicyOptions, type PolicyPlan } from "./policies.ts";
