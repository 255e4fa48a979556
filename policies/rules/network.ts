import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import {
  UNKNOWN_NAMESPACE,
  kindOf,
  known,
  namespaceOf,
  quote,
  sameNamespace,
  selectorMatches,
  selectsEverything,
  type ContainerPort,
  type LabelSelector,
  type ObjectMeta,
} from "./kubernetes.ts";
import { configOf, stackWorkloads, type StackWorkload } from "./policy.ts";
import { weedCall } from "./stack-components.ts";

// Network: every namespace starts from deny-all, the databases' internal ports never leave the cluster,
// and no Service points at nothing.

interface NetworkPolicySpec {
  podSelector?: LabelSelector;
  policyTypes?: string[];
  ingress?: unknown[];
  egress?: unknown[];
}

/** The directions a NetworkPolicy denies for every pod of its namespace (it selects all, allows nothing). */
function deniedDirections(spec: NetworkPolicySpec): string[] {
  if (!selectsEverything(known(() => spec.podSelector))) return [];
  const types = known(() => spec.policyTypes) ?? [
    // The API server's default: Ingress always, Egress when egress rules are given.
    "Ingress",
    ...(spec.egress !== undefined ? ["Egress"] : []),
  ];
  const denied: string[] = [];
  if (types.includes("Ingress") && (spec.ingress ?? []).length === 0) denied.push("Ingress");
  if (types.includes("Egress") && (spec.egress ?? []).length === 0) denied.push("Egress");
  return denied;
}

const defaultDeny: StackValidationPolicy = {
  name: "namespace-default-deny",
  description:
    "Every namespace with pods (or declared by the stack) needs a default-deny NetworkPolicy for ingress and " +
    "egress (empty podSelector, no rules), so only the connections other policies name are possible and a " +
    "compromised pod cannot reach the databases or the internet.",
  validateStack: (args, report) => {
    const namespaces = new Map<string, string | undefined>();
    for (const r of args.resources) {
      if (kindOf(r.type) === "Namespace") {
        const name = known(() => (r.props.metadata as ObjectMeta | undefined)?.name);
        if (name) namespaces.set(name, r.urn);
      }
    }
    for (const { workload } of stackWorkloads(args)) {
      const ns = namespaceOf(workload.metadata);
      if (ns !== UNKNOWN_NAMESPACE && !namespaces.has(ns)) namespaces.set(ns, undefined);
    }
    const denied = new Map<string, Set<string>>();
    for (const r of args.resources) {
      if (kindOf(r.type) !== "NetworkPolicy") continue;
      const ns = namespaceOf(r.props.metadata as ObjectMeta | undefined);
      const set = denied.get(ns) ?? new Set<string>();
      for (const d of deniedDirections((r.props.spec ?? {}) as NetworkPolicySpec)) set.add(d);
      denied.set(ns, set);
    }
    for (const [ns, urn] of namespaces) {
      const unknownNs = denied.get(UNKNOWN_NAMESPACE) ?? new Set<string>();
      const have = new Set([...(denied.get(ns) ?? []), ...unknownNs]);
      const missing = ["Ingress", "Egress"].filter((d) => !have.has(d));
      if (missing.length > 0) {
        report(
          `namespace ${quote(ns)} has no default-deny NetworkPolicy for ${missing.join(" and ").toLowerCase()}`,
          urn,
        );
      }
    }
  },
};

/** Ports that carry cluster-internal traffic; what each is, for the message. */
const INTERNAL_PORTS: Record<number, string> = {
  26257: "CockroachDB SQL and node-to-node gRPC",
  9333: "SeaweedFS master",
  19333: "SeaweedFS master gRPC",
  8080: "SeaweedFS volume server, CockroachDB admin UI",
  18080: "SeaweedFS volume server gRPC",
  8888: "SeaweedFS filer",
  18888: "SeaweedFS filer gRPC",
};

interface ServicePort {
  name?: string;
  port: number;
  targetPort?: number | string;
}

interface ServiceProps {
  metadata?: ObjectMeta;
  spec?: { type?: string; selector?: Record<string, string>; ports?: ServicePort[] };
}

interface IngressBackend {
  service?: { name?: string; port?: { number?: number; name?: string } };
}

interface IngressProps {
  metadata?: ObjectMeta;
  spec?: {
    defaultBackend?: IngressBackend;
    rules?: { http?: { paths?: { backend?: IngressBackend }[] } }[];
  };
}

interface Service {
  resource: PolicyResource;
  name: string;
  props: ServiceProps;
  pods: StackWorkload[];
}

function servicesOf(resources: PolicyResource[], workloads: StackWorkload[]): Service[] {
  return resources
    .filter((r) => kindOf(r.type) === "Service")
    .map((r) => {
      const props = r.props as ServiceProps;
      const selector = known(() => props.spec?.selector);
      const pods =
        selector === undefined || Object.keys(selector).length === 0
          ? []
          : workloads.filter(
              ({ workload }) =>
                sameNamespace(workload.metadata, props.metadata) &&
                selectorMatches(selector, known(() => workload.template.metadata?.labels) ?? {}),
            );
      return { resource: r, name: known(() => props.metadata?.name) ?? r.name, props, pods };
    });
}

/** The container port numbers a named target port stands for in the pods a Service selects. */
function resolveTarget(target: number | string | undefined, port: number, pods: StackWorkload[]): number[] {
  if (target === undefined) return [port];
  if (typeof target === "number") return [target];
  const ports: ContainerPort[] = pods.flatMap(({ workload }) =>
    (workload.template.spec?.containers ?? []).flatMap((c) => c.ports ?? []),
  );
  return ports.filter((p) => p.name === target).map((p) => p.containerPort);
}

interface ExposureConfig {
  forbiddenPorts: number[];
}

const DEFAULT_FORBIDDEN = Object.keys(INTERNAL_PORTS).map(Number);

const internalExposure: StackValidationPolicy = {
  name: "no-internal-exposure",
  description:
    "CockroachDB's SQL port (26257), SeaweedFS's internal ports (master 9333/19333, volume 8080/18080, " +
    "filer 8888/18888) and the filer itself must never be reachable from outside the cluster through a " +
    "LoadBalancer or NodePort Service or an Ingress: they authenticate weakly or not at all, and S3 (with " +
    "its identities) is the only storage entrance meant for clients.",
  configSchema: {
    properties: {
      forbiddenPorts: {
        type: "array",
        items: { type: "integer" },
        default: DEFAULT_FORBIDDEN,
        description: "Service and container ports that must stay inside the cluster.",
      },
    },
  },
  validateStack: (args, report) => {
    const { forbiddenPorts } = configOf<ExposureConfig>(args, { forbiddenPorts: DEFAULT_FORBIDDEN });
    const describe = (port: number) => `${port}, an internal port (${INTERNAL_PORTS[port] ?? "configured"})`;
    const workloads = stackWorkloads(args);
    const services = servicesOf(args.resources, workloads);
    const servesFiler = (s: Service) =>
      s.pods.some(({ workload }) =>
        (workload.template.spec?.containers ?? []).some((c) => weedCall(c, "filer")),
      );
    const badPorts = (s: Service, ports: ServicePort[]) =>
      ports.flatMap((p) => {
        const numbers = [
          p.port,
          ...resolveTarget(
            known(() => p.targetPort),
            p.port,
            s.pods,
          ),
        ];
        return [...new Set(numbers.filter((n) => forbiddenPorts.includes(n)))];
      });

    for (const s of services) {
      const type = known(() => s.props.spec?.type);
      if (type !== "LoadBalancer" && type !== "NodePort") continue;
      const what = `Service ${quote(s.name)} (${type})`;
      for (const port of badPorts(s, s.props.spec?.ports ?? []))
        report(`${what} exposes port ${describe(port)}`, s.resource.urn);
      if (servesFiler(s)) report(`${what} exposes SeaweedFS filer pods`, s.resource.urn);
    }

    for (const r of args.resources) {
      if (kindOf(r.type) !== "Ingress") continue;
      const ingress = r.props as IngressProps;
      const ingressName = quote(known(() => ingress.metadata?.name) ?? r.name);
      const backends = [
        ingress.spec?.defaultBackend,
        ...(ingress.spec?.rules ?? []).flatMap((rule) => (rule.http?.paths ?? []).map((p) => p.backend)),
      ];
      for (const backend of backends) {
        const target = known(() => backend?.service);
        if (!target?.name) continue;
        const service = services.find(
          (s) => s.name === target.name && sameNamespace(s.props.metadata, ingress.metadata),
        );
        const wanted = known(() => target.port);
        const number = wanted?.number;
        const ports = (service?.props.spec?.ports ?? []).filter((p) =>
          number !== undefined ? p.port === number : p.name === wanted?.name,
        );
        const bad = service
          ? badPorts(service, ports)
          : number !== undefined && forbiddenPorts.includes(number)
            ? [number]
            : [];
        const route = `Ingress ${ingressName} routes to Service ${quote(target.name)}`;
        for (const port of bad) report(`${route} on port ${describe(port)}`, r.urn);
        if (service && servesFiler(service)) report(`${route}, which serves SeaweedFS filer pods`, r.urn);
      }
    }
  },
};

const servicesSelectPods: StackValidationPolicy = {
  name: "service-selects-pods",
  description:
    "A Service's selector must match the pod template of some workload in its namespace: a Service that " +
    "selects nothing has no endpoints, and its clients fail with connection refused (usually a label typo " +
    "or a workload that was renamed).",
  validateStack: (args, report) => {
    const workloads = stackWorkloads(args);
    for (const s of servicesOf(args.resources, workloads)) {
      const selector = known(() => s.props.spec?.selector);
      if (selector === undefined || Object.keys(selector).length === 0) continue;
      if (known(() => s.props.spec?.type) === "ExternalName") continue;
      if (s.pods.length > 0) continue;
      const terms = Object.keys(selector)
        .sort()
        .map((k) => `${k}=${known(() => selector[k]) ?? "?"}`)
        .join(",");
      report(
        `Service ${quote(s.name)} selects ${terms}, which matches no pod template in its namespace`,
        s.resource.urn,
      );
    }
  },
};

export const networkPolicies: StackValidationPolicy[] = [defaultDeny, internalExposure, servicesSelectPods];
