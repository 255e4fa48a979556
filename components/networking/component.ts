import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { AppPort, Environment, NetworkingSettings } from "../config/types.ts";
import type { Flow, Peer } from "../shared/endpoints.ts";
import { PART_OF, workloadLabels } from "../shared/labels.ts";
import { namespaceOptions } from "../shared/protection.ts";
import { RESTRICTED_NAMESPACE_LABELS } from "../shared/security.ts";
import { entrances, exposures, type ExposableEndpoint } from "./exposure.ts";
import { policiesFor, type Entrance } from "./policies.ts";

export const REASONS_ANNOTATION = "vsekai.dev/reasons";
export const ENVIRONMENT_LABEL = "vsekai.dev/environment";

export interface StackNetworkArgs {
  namespaceName: string;
  environment: Environment;
  settings: NetworkingSettings;
  instance: string;
  /** Protect the namespace, and with it the claims in it (see shared/protection.ts). */
  protectData: boolean;
}

/** The stack's namespace, where the API server enforces the restricted Pod Security Standard. */
export class StackNetwork extends pulumi.ComponentResource {
  readonly namespace: k8s.core.v1.Namespace;

  constructor(name: string, args: StackNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("vsekai:networking:StackNetwork", name, {}, opts);
    this.namespace = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      {
        metadata: {
          name: args.namespaceName,
          labels: {
            ...RESTRICTED_NAMESPACE_LABELS,
            "app.kubernetes.io/part-of": PART_OF,
            "app.kubernetes.io/instance": args.instance,
            "app.kubernetes.io/managed-by": "pulumi",
            [ENVIRONMENT_LABEL]: args.environment,
          },
        },
      },
      { parent: this, ...namespaceOptions(args.protectData) },
    );
    this.registerOutputs({ namespace: this.namespace.metadata.name });
  }
}

export interface NetworkPoliciesArgs {
  namespace: pulumi.Input<string>;
  instance: string;
  settings: NetworkingSettings;
  /** Every connection the stack's components declared. */
  flows: Flow[];
  /** The app's pods and HTTP ports, which the ingress controller reaches. */
  app?: Peer;
  appPorts?: AppPort[];
  /** Needed only when `settings.exposeSql` / `exposeS3` is on: what the LoadBalancer fronts. */
  sql?: ExposableEndpoint;
  s3?: ExposableEndpoint;
  /** More ways in from outside the namespace, e.g. the Prometheus that scrapes the metrics ports. */
  entrances?: Entrance[];
  prefix?: string;
}

/**
 * The NetworkPolicies derived from all flows, plus a LoadBalancer Service for what the settings expose.
 * Declared last, once every component has said whom it talks to.
 */
export class NetworkPolicies extends pulumi.ComponentResource {
  readonly policyNames: string[];

  constructor(name: string, args: NetworkPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("vsekai:networking:NetworkPolicies", name, {}, opts);
    const prefix = args.prefix ?? "vsekai";
    const labels = workloadLabels({ name: "networking", component: "policy", instance: args.instance });
    const exposed = exposures(args.settings, args.sql, args.s3);
    const appPorts = (args.appPorts ?? []).map((p) => p.port);
    const plans = policiesFor(args.flows, {
      entrances: [...entrances(args.settings, args.app, appPorts, exposed), ...(args.entrances ?? [])],
    });
    this.policyNames = plans.map((plan) => `${prefix}-${plan.name}`);
    for (const plan of plans) {
      new k8s.networking.v1.NetworkPolicy(
        `${name}-${plan.name}`,
        {
          metadata: {
            name: `${prefix}-${plan.name}`,
            namespace: args.namespace,
            labels,
            annotations: { [REASONS_ANNOTATION]: plan.reasons.join("\n") },
          },
          spec: plan.spec,
        },
        { parent: this },
      );
    }
    for (const e of exposed) {
      new k8s.core.v1.Service(
        `${name}-expose-${e.name}`,
        {
          metadata: {
            name: `${prefix}-${e.name}-external`,
            namespace: args.namespace,
            labels: workloadLabels({
              name: "networking",
              component: `expose-${e.name}`,
              instance: args.instance,
            }),
          },
          spec: {
            type: "LoadBalancer",
            selector: e.peer.selector,
            ports: [{ name: e.name, port: e.port, targetPort: e.port, protocol: "TCP" }],
          },
        },
        { parent: this },
      );
    }
    this.registerOutputs({});
  }
}
