import { describe, expect, it } from "vitest";
import { policies } from "../rules/index.ts";
import { remediated, resourceMessages } from "../testing.ts";
import {
  appDeployment,
  cockroachInitJob,
  cockroachStatefulSet,
  firstContainer,
  modified,
  podSpecOf,
  seaweedMaster,
  TYPES,
} from "./fixtures.ts";

const rule = (name: string) => {
  const found = policies.find((p) => p.name === name);
  if (!found) throw new Error(`no policy ${name}`);
  return found;
};
type Props = Record<string, unknown>;
const sc = (props: Props) => firstContainer(props).securityContext as Props;

describe("pod security rules stay quiet on our components", () => {
  const names = [
    "pod-run-as-non-root",
    "container-no-privilege-escalation",
    "container-drop-all-capabilities",
    "container-read-only-root-fs",
    "pod-seccomp-runtime-default",
    "container-not-privileged",
    "pod-no-host-namespaces",
    "pod-no-host-path",
    "pod-no-service-account-token",
  ];
  for (const name of names) {
    for (const resource of [cockroachStatefulSet(), cockroachInitJob(), appDeployment(), seaweedMaster()]) {
      it(`${name} passes ${resource.name}`, async () => {
        expect(await resourceMessages(rule(name), resource)).toEqual([]);
      });
    }
  }
});

describe("pod security rules fire with the exact message", () => {
  const cases: [string, (p: Props) => void, string[]][] = [
    [
      "pod-run-as-non-root",
      (p) => {
        delete (podSpecOf(p).securityContext as Props).runAsNonRoot;
        delete sc(p).runAsNonRoot;
      },
      ['container "uro" may run as root: set runAsNonRoot: true on the pod or the container'],
    ],
    ["pod-run-as-non-root", (p) => (sc(p).runAsUser = 0), ['container "uro" runs as uid 0 (root)']],
    [
      "container-no-privilege-escalation",
      (p) => delete sc(p).allowPrivilegeEscalation,
      ['container "uro" does not set allowPrivilegeEscalation: false'],
    ],
    [
      "container-drop-all-capabilities",
      (p) => (sc(p).capabilities = { drop: ["NET_RAW"], add: ["SYS_ADMIN", "NET_BIND_SERVICE"] }),
      ['container "uro" does not drop ALL capabilities', 'container "uro" adds capabilities SYS_ADMIN'],
    ],
    [
      "container-read-only-root-fs",
      (p) => (sc(p).readOnlyRootFilesystem = false),
      ['container "uro" has a writable root filesystem (readOnlyRootFilesystem is not true)'],
    ],
    [
      "pod-seccomp-runtime-default",
      (p) => {
        delete (podSpecOf(p).securityContext as Props).seccompProfile;
        delete sc(p).seccompProfile;
      },
      ['container "uro" runs without a seccomp profile (set seccompProfile.type RuntimeDefault)'],
    ],
    [
      "pod-seccomp-runtime-default",
      (p) => (sc(p).seccompProfile = { type: "Unconfined" }),
      ['container "uro" runs with seccomp profile Unconfined'],
    ],
    ["container-not-privileged", (p) => (sc(p).privileged = true), ['container "uro" is privileged']],
    [
      "pod-no-host-namespaces",
      (p) => Object.assign(podSpecOf(p), { hostNetwork: true, hostPID: true, hostIPC: true }),
      [
        "pods share the node's network namespace (hostNetwork: true)",
        "pods share the node's process namespace (hostPID: true)",
        "pods share the node's IPC namespace (hostIPC: true)",
      ],
    ],
    [
      "pod-no-host-path",
      (p) =>
        (podSpecOf(p).volumes as Props[]).push({
          name: "docker",
          hostPath: { path: "/var/run/docker.sock" },
        }),
      ['volume "docker" mounts the node\'s path /var/run/docker.sock (hostPath)'],
    ],
    [
      "pod-no-service-account-token",
      (p) => delete podSpecOf(p).automountServiceAccountToken,
      [
        "pods mount a service account token (automountServiceAccountToken is not false) without a " +
          "vsekai.dev/needs-service-account-token annotation saying why",
      ],
    ],
  ];
  for (const [name, breakIt, expected] of cases) {
    it(`${name}: ${expected[0]}`, async () => {
      expect(await resourceMessages(rule(name), modified(appDeployment(), breakIt))).toEqual(expected);
    });
  }

  it("checks init containers too (the copy-certs container runs with the same restrictions)", async () => {
    const withInit = modified(appDeployment(), (p) => {
      podSpecOf(p).initContainers = [{ name: "copy-certs", image: "busybox:1.36", securityContext: {} }];
    });
    expect(await resourceMessages(rule("container-read-only-root-fs"), withInit)).toEqual([
      'container "copy-certs" has a writable root filesystem (readOnlyRootFilesystem is not true)',
    ]);
  });

  it("reads Pods, DaemonSets and CronJobs as well as the apps/v1 kinds", async () => {
    const props = appDeployment().props;
    (firstContainer(props).securityContext as Props).privileged = true;
    const privileged = podSpecOf(props);
    const pod = { type: TYPES.pod, name: "debug", props: { metadata: { name: "debug" }, spec: privileged } };
    const cron = {
      type: TYPES.cronJob,
      name: "backup",
      props: { spec: { jobTemplate: { spec: { template: { spec: privileged } } } } },
    };
    const daemon = {
      type: TYPES.daemonSet,
      name: "agent",
      props: { spec: { template: { spec: privileged } } },
    };
    const oldDeployment = {
      type: "kubernetes:extensions/v1beta1:Deployment",
      name: "old",
      props: daemon.props,
    };
    for (const r of [pod, cron, daemon, oldDeployment]) {
      expect(await resourceMessages(rule("container-not-privileged"), r)).toEqual([
        'container "uro" is privileged',
      ]);
    }
    const patch = { type: "kubernetes:apps/v1:DeploymentPatch", name: "patch", props: daemon.props };
    expect(await resourceMessages(rule("container-not-privileged"), patch)).toEqual([]);
  });

  it("lets a pod keep its token when an annotation says why", async () => {
    const annotated = modified(appDeployment(), (p) => {
      delete podSpecOf(p).automountServiceAccountToken;
      ((p.spec as Props).template as Props).metadata = {
        annotations: { "vsekai.dev/needs-service-account-token": "reads leases for leader election" },
      };
    });
    expect(await resourceMessages(rule("pod-no-service-account-token"), annotated)).toEqual([]);
  });
});

describe("remediations", () => {
  it("sets RuntimeDefault seccomp on the pod and keeps the rest of its security context", async () => {
    const bare = modified(
      appDeployment(),
      (p) => delete (podSpecOf(p).securityContext as Props).seccompProfile,
    );
    const fixed = await remediated(rule("pod-seccomp-runtime-default"), bare);
    expect(podSpecOf(fixed).securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 65534,
      runAsGroup: 65534,
      fsGroup: 65534,
      fsGroupChangePolicy: "OnRootMismatch",
      seccompProfile: { type: "RuntimeDefault" },
    });
  });

  it("turns the service account token off, unless the pod says it needs it", async () => {
    const withToken = modified(appDeployment(), (p) => (podSpecOf(p).automountServiceAccountToken = true));
    const fixed = await remediated(rule("pod-no-service-account-token"), withToken);
    expect(podSpecOf(fixed).automountServiceAccountToken).toBe(false);
    const needed = modified(withToken, (p) => {
      ((p.spec as Props).template as Props).metadata = {
        annotations: { "vsekai.dev/needs-service-account-token": "operator" },
      };
    });
    expect(
      podSpecOf(await remediated(rule("pod-no-service-account-token"), needed)).automountServiceAccountToken,
    ).toBe(true);
  });
});
