import type * as pulumi from "@pulumi/pulumi";
import type { PullPolicy } from "../config/types.ts";

/** Where and how a component's objects are placed: the same for every system of one stack. */
export interface Placement {
  /** The stack's Namespace (an Output, so objects depend on it). */
  namespace: pulumi.Input<string>;
  /** Its name, known before deployment, for FQDNs and certificates. */
  namespaceName: string;
  /** The stack name, as the app.kubernetes.io/instance label. */
  instance: string;
  clusterDomain: string;
  imagePullPolicy: PullPolicy;
  /** Prefix of every object name, e.g. "vsekai". */
  prefix: string;
}
