import type { ResourceValidationPolicy } from "@pulumi/policy";
import { allContainers, known, quote, workloadOf, type Container, type PodSpec } from "./kubernetes.ts";
import { forWorkloads } from "./policy.ts";

// Pod security: every pod meets the Kubernetes "restricted" Pod Security Standard. The namespace enforces
// it too (components/shared/security.ts), but the API server only refuses pods at admission, after a
// rollout has started; the pack refuses the spec at preview, before anything changes.

/** A pod template annotation that lets a workload keep its service account token, with the reason. */
export const SERVICE_ACCOUNT_TOKEN_ANNOTATION = "vsekai.dev/needs-service-account-token";
/** The only capability the restricted standard lets a container add (binding ports below 1024). */
const ALLOWED_ADDED_CAPABILITIES = ["NET_BIND_SERVICE"];

function containerRule(
  name: string,
  description: string,
  check: (container: Container, pod: PodSpec) => string[],
): ResourceValidationPolicy {
  return {
    name,
    description,
    validateResource: forWorkloads((workload, _args, report) => {
      const pod = workload.template.spec ?? {};
      for (const container of allContainers(pod)) {
        for (const message of check(container, pod)) report(message);
      }
    }),
  };
}

const runAsNonRoot = containerRule(
  "pod-run-as-non-root",
  "Containers must run as a non-root user (runAsNonRoot: true, never uid 0): a process that escapes its " +
    "container as root owns the node.",
  (c, pod) => {
    const nonRoot = c.securityContext?.runAsNonRoot ?? pod.securityContext?.runAsNonRoot;
    const uid = c.securityContext?.runAsUser ?? pod.securityContext?.runAsUser;
    if (uid === 0) return [`container ${quote(c.name)} runs as uid 0 (root)`];
    if (nonRoot !== true) {
      return [
        `container ${quote(c.name)} may run as root: set runAsNonRoot: true on the pod or the container`,
      ];
    }
    return [];
  },
);

const noPrivilegeEscalation = containerRule(
  "container-no-privilege-escalation",
  "Containers must set allowPrivilegeEscalation: false, so setuid binaries and file capabilities cannot " +
    "give a process more rights than it started with.",
  (c) =>
    c.securityContext?.allowPrivilegeEscalation === false
      ? []
      : [`container ${quote(c.name)} does not set allowPrivilegeEscalation: false`],
);

const dropAllCapabilities = containerRule(
  "container-drop-all-capabilities",
  "Containers must drop ALL Linux capabilities (adding back at most NET_BIND_SERVICE): none of this " +
    "stack's servers needs one, and NET_RAW alone allows spoofing traffic on the node's network.",
  (c) => {
    const caps = c.securityContext?.capabilities;
    const messages: string[] = [];
    if (!(caps?.drop ?? []).includes("ALL")) {
      messages.push(`container ${quote(c.name)} does not drop ALL capabilities`);
    }
    const added = (caps?.add ?? []).filter((cap) => !ALLOWED_ADDED_CAPABILITIES.includes(cap));
    if (added.length > 0) messages.push(`container ${quote(c.name)} adds capabilities ${added.join(", ")}`);
    return messages;
  },
);

const readOnlyRootFs = containerRule(
  "container-read-only-root-fs",
  "Containers must have a read-only root filesystem: writes go to declared volumes, so an attacker cannot " +
    "replace binaries and nothing important lives where a restart silently loses it.",
  (c) =>
    c.securityContext?.readOnlyRootFilesystem === true
      ? []
      : [`container ${quote(c.name)} has a writable root filesystem (readOnlyRootFilesystem is not true)`],
);

const SECCOMP_CONFINED = ["RuntimeDefault", "Localhost"];

const seccomp: ResourceValidationPolicy = {
  name: "pod-seccomp-runtime-default",
  description:
    "Containers must run under a seccomp profile (RuntimeDefault, or a Localhost profile): it blocks the " +
    "rarely used system calls most kernel exploits need. Remediation sets RuntimeDefault on the pod.",
  validateResource: forWorkloads((workload, _args, report) => {
    const pod = workload.template.spec ?? {};
    for (const c of allContainers(pod)) {
      const type = c.securityContext?.seccompProfile?.type ?? pod.securityContext?.seccompProfile?.type;
      if (type === undefined) {
        report(
          `container ${quote(c.name)} runs without a seccomp profile (set seccompProfile.type RuntimeDefault)`,
        );
      } else if (!SECCOMP_CONFINED.includes(type)) {
        report(`container ${quote(c.name)} runs with seccomp profile ${type}`);
      }
    }
  }),
  // Safe: RuntimeDefault only blocks calls no ordinary server makes, and containers that set their own
  // profile keep it (a container's profile overrides the pod's).
  remediateResource: (args) => {
    const pod = workloadOf(args.type, args.props, args.name)?.template.spec;
    if (pod === undefined || pod.securityContext?.seccompProfile?.type !== undefined) return undefined;
    if (pod.securityContext) pod.securityContext.seccompProfile = { type: "RuntimeDefault" };
    else pod.securityContext = { seccompProfile: { type: "RuntimeDefault" } };
    return args.props;
  },
};

const notPrivileged = containerRule(
  "container-not-privileged",
  "Containers must not be privileged: a privileged container has every device and capability of the node " +
    "and is root on the host in all but name.",
  (c) => (c.securityContext?.privileged === true ? [`container ${quote(c.name)} is privileged`] : []),
);

const HOST_NAMESPACES = [
  ["hostNetwork", "network"],
  ["hostPID", "process"],
  ["hostIPC", "IPC"],
] as const;

const noHostNamespaces: ResourceValidationPolicy = {
  name: "pod-no-host-namespaces",
  description:
    "Pods must not share the node's network, process or IPC namespace: they would see and reach every " +
    "other pod's traffic and processes on the node, and NetworkPolicies would no longer apply to them.",
  validateResource: forWorkloads((workload, _args, report) => {
    const pod = workload.template.spec ?? {};
    for (const [field, what] of HOST_NAMESPACES) {
      if (pod[field] === true) report(`pods share the node's ${what} namespace (${field}: true)`);
    }
  }),
};

const noHostPath: ResourceValidationPolicy = {
  name: "pod-no-host-path",
  description:
    "Pods must not mount hostPath volumes: they expose the node's filesystem (and often its container " +
    "runtime socket) to the pod, and data on them is tied to one node and lost when the pod moves.",
  validateResource: forWorkloads((workload, _args, report) => {
    for (const v of workload.template.spec?.volumes ?? []) {
      if (v.hostPath !== undefined) {
        const path = known(() => v.hostPath?.path) ?? "(unknown)";
        report(`volume ${quote(v.name)} mounts the node's path ${path} (hostPath)`);
      }
    }
  }),
};

function tokenNeeded(annotations: Record<string, string> | undefined): boolean {
  const reason = known(() => annotations?.[SERVICE_ACCOUNT_TOKEN_ANNOTATION]);
  return typeof reason === "string" && reason.trim() !== "";
}

const noServiceAccountToken: ResourceValidationPolicy = {
  name: "pod-no-service-account-token",
  description:
    "Pods must not mount a service account token unless they call the Kubernetes API (say why in the " +
    `${SERVICE_ACCOUNT_TOKEN_ANNOTATION} annotation): a stolen token is a foothold in the cluster's API. ` +
    "Remediation sets automountServiceAccountToken: false on pods without that annotation.",
  validateResource: forWorkloads((workload, _args, report) => {
    const pod = workload.template.spec ?? {};
    if (pod.automountServiceAccountToken === false || tokenNeeded(workload.template.metadata?.annotations)) {
      return;
    }
    report(
      `pods mount a service account token (automountServiceAccountToken is not false) without a ` +
        `${SERVICE_ACCOUNT_TOKEN_ANNOTATION} annotation saying why`,
    );
  }),
  remediateResource: (args) => {
    const workload = workloadOf(args.type, args.props, args.name);
    const pod = workload?.template.spec;
    if (!workload || !pod || pod.automountServiceAccountToken === false) return undefined;
    if (tokenNeeded(workload.template.metadata?.annotations)) return undefined;
    pod.automountServiceAccountToken = false;
    return args.props;
  },
};

export const podSecurityPolicies: ResourceValidationPolicy[] = [
  runAsNonRoot,
  noPrivilegeEscalation,
  dropAllCapabilities,
  readOnlyRootFs,
  seccomp,
  notPrivileged,
  noHostNamespaces,
  noHostPath,
  noServiceAccountToken,
];
