import { describe, expect, it } from "vitest";
import { resolveStackConfig } from "../../../components/config/resolve.ts";
import {
  committedSettings,
  defaultStateDir,
  HARNESS,
  LOCAL_STACKS,
  localStackFromArgs,
} from "../../../tools/stack/dev-stack.ts";
import {
  INGRESS_CLASS,
  INGRESS_NAMESPACE,
  ingressControllerManifests,
  traefikArgs,
  traefikImage,
} from "../../../tools/stack/ingress-controller.ts";
import { STANDIN_NAMESPACE } from "../../../tools/stack/sql-standin.ts";
import { stackFileConfig } from "./stack-files.ts";

// What `npm run up` / `npm run down` do around the stacks made for the local cluster (dev, ha): which
// stack a command line names, where its state lives, and the ingress controller fixture's manifests.

describe("the local stacks", () => {
  it("takes --stack from the command line, dev by default", () => {
    expect(localStackFromArgs([])).toBe("dev");
    expect(localStackFromArgs(["--stack", "ha"])).toBe("ha");
    expect(localStackFromArgs(["--stack=ha"])).toBe("ha");
    expect(() => localStackFromArgs(["--stack", "prod"])).toThrow(
      "--stack prod is not allowed: the local cluster runs dev and ha (staging and prod deploy through CI, see .github/workflows)",
    );
    expect(() => localStackFromArgs(["--stack"])).toThrow("--stack (nothing) is not allowed");
  });

  it("keeps each stack's state apart, dev where VSEKAI_STATE_DIR says as before", () => {
    const saved = process.env.VSEKAI_STATE_DIR;
    try {
      process.env.VSEKAI_STATE_DIR = "/tmp/state";
      expect(defaultStateDir("dev")).toBe("/tmp/state");
      expect(defaultStateDir("ha")).toBe("/tmp/state-ha");
      delete process.env.VSEKAI_STATE_DIR;
      expect(defaultStateDir("ha")).toMatch(/\/\.local\/state\/vsekai-infra\/ha$/);
    } finally {
      if (saved === undefined) delete process.env.VSEKAI_STATE_DIR;
      else process.env.VSEKAI_STATE_DIR = saved;
    }
  });

  it("gives each stack its own stand-in namespace, and ha an ingress controller whose namespace it lets in", () => {
    expect(HARNESS.dev).toEqual({ packConfig: "dev", standinNamespace: STANDIN_NAMESPACE, ingress: false });
    expect(HARNESS.ha).toEqual({
      packConfig: "ha",
      standinNamespace: "vsekai-ha-sql-standin",
      ingress: true,
    });
    const ha = resolveStackConfig(stackFileConfig("ha"), "ha");
    expect(ha.networking.ingressNamespace).toBe(INGRESS_NAMESPACE);
    expect(ha.app.ingress.className).toBe(INGRESS_CLASS);
    expect(LOCAL_STACKS).toEqual(["dev", "ha"]);
  });

  it("restores ha's committed CockroachDB sizing (not the profile's) when the tier switches back from the stand-in", () => {
    expect(JSON.parse(committedSettings("ha")["vsekai-infra:cockroach"] ?? "null")).toEqual({
      nodes: 3,
      storage: { size: "5Gi" },
      resources: { cpu: "75m", memory: "1Gi", cpuLimit: "1" },
    });
    expect(committedSettings("dev")["vsekai-infra:cockroach"]).toBeUndefined();
    expect(committedSettings("ha")["vsekai-infra:environment"]).toBe("staging");
  });
});

describe("the ingress controller fixture", () => {
  const manifests = ingressControllerManifests({
    image: traefikImage(),
    replicas: 1,
    statusAddress: "10.96.0.50",
  });
  const ofKind = (kind: string) => manifests.find((m) => m.kind === kind) as Record<string, unknown>;

  it("runs the image tools/images builds", () => {
    expect(traefikImage()).toBe("vsekai.local/traefik:3.6.12");
  });

  it("watches class traefik on its Kubernetes Ingress provider, TLS on websecure, status set to the Service's IP", () => {
    const args = traefikArgs("10.96.0.50");
    expect(args).toEqual(
      expect.arrayContaining([
        "--entrypoints.websecure.address=:8443",
        "--entrypoints.websecure.http.tls=true",
        "--providers.kubernetesingress=true",
        "--providers.kubernetesingress.ingressclass=traefik",
        "--providers.kubernetesingress.strictprefixmatching=true",
        "--providers.kubernetesingress.ingressendpoint.ip=10.96.0.50",
        "--ping.entrypoint=traefik",
      ]),
    );
    expect(traefikArgs(undefined).some((a) => a.includes("ingressendpoint"))).toBe(false);
    expect(ofKind("IngressClass")).toMatchObject({
      metadata: { name: "traefik" },
      spec: { controller: "traefik.io/ingress-controller" },
    });
  });

  it("lives in its own namespace at the restricted pod security level, as a non-root pod without privileges", () => {
    expect(ofKind("Namespace")).toMatchObject({
      metadata: { name: "ingress-traefik", labels: { "pod-security.kubernetes.io/enforce": "restricted" } },
    });
    const pod = (ofKind("Deployment") as { spec: { template: { spec: Record<string, unknown> } } }).spec
      .template.spec;
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      seccompProfile: { type: "RuntimeDefault" },
    });
    const [container] = pod.containers as Record<string, unknown>[];
    expect(container?.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    });
    expect(container?.resources).toEqual({
      requests: { cpu: "50m", memory: "128Mi" },
      limits: { cpu: "500m", memory: "128Mi" },
    });
    expect(container?.readinessProbe).toMatchObject({ httpGet: { path: "/ping", port: "ping" } });
  });

  it("may read what routing needs and write only Ingress status", () => {
    const role = ofKind("ClusterRole") as { rules: { resources: string[]; verbs: string[] }[] };
    const writes = role.rules.filter((r) => r.verbs.some((v) => !["get", "list", "watch"].includes(v)));
    expect(writes).toEqual([
      { apiGroups: ["networking.k8s.io"], resources: ["ingresses/status"], verbs: ["update"] },
    ]);
    expect(role.rules.flatMap((r) => r.resources).sort()).toEqual([
      "endpointslices",
      "ingressclasses",
      "ingresses",
      "ingresses/status",
      "nodes",
      "secrets",
      "services",
    ]);
    expect(ofKind("Service")).toMatchObject({
      spec: {
        type: "ClusterIP",
        ports: [
          { name: "websecure", port: 443, targetPort: "websecure" },
          { name: "web", port: 80, targetPort: "web" },
        ],
      },
    });
  });
});
