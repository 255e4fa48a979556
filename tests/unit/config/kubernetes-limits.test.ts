import { describe, expect, it } from "vitest";
import { resolveStackConfig } from "../../../components/config/resolve.ts";
import { minimalConfig, problems } from "./fixtures.ts";

// Settings the Kubernetes API server would refuse in the objects rendered from them are refused by config
// validation first, naming the key, the value and what is allowed; settings it accepts are not.

const base = minimalConfig("prod");
const app = base.app as Record<string, unknown>;
const withApp = (extra: Record<string, unknown>) => ({ ...base, app: { ...app, ...extra } });
const limitBelow = (what: string) =>
  `"500m" is not allowed: below ${what}.cpu ("2"), and Kubernetes refuses a container whose CPU limit is below its request; use at least "2", or leave cpuLimit unset for twice the request`;
const noStorage = (size: string) =>
  `"${size}" is not allowed: Kubernetes refuses a PersistentVolumeClaim for no storage; use a size such as 10Gi`;
const BAD_LABEL_CHARS =
  "a label value starts and ends with a letter or digit, with only letters, digits, '-', '_' and '.' between";

describe("a CPU limit below its request", () => {
  const resources = { cpu: "2", cpuLimit: "500m" };
  it.each<[string, Record<string, unknown>]>([
    ["cockroach.resources", { cockroach: { resources } }],
    ["seaweedfs.masterResources", { seaweedfs: { masterResources: resources } }],
    ["seaweedfs.volumeResources", { seaweedfs: { volumeResources: resources } }],
    ["seaweedfs.filer.resources", { seaweedfs: { filer: { resources } } }],
    ["seaweedfs.s3.resources", { seaweedfs: { s3: { resources } } }],
    ["app.resources", { app: { ...app, resources } }],
  ])("is refused in %s", (what, extra) => {
    expect(problems({ ...base, ...extra })).toEqual([`vsekai-infra:${what}.cpuLimit: ${limitBelow(what)}`]);
  });

  it("is refused against the profile's request when only the limit is set", () => {
    // prod's CockroachDB nodes request 2 CPUs.
    expect(problems({ ...base, cockroach: { resources: { cpuLimit: "500m" } } })).toEqual([
      `vsekai-infra:cockroach.resources.cpuLimit: ${limitBelow("cockroach.resources")}`,
    ]);
  });

  it("is compared exactly, as the API server compares quantities", () => {
    expect(problems({ ...base, app: { ...app, resources: { cpu: "1.0001", cpuLimit: "1" } } })).toEqual([
      'vsekai-infra:app.resources.cpuLimit: "1" is not allowed: below app.resources.cpu ("1.0001"), and Kubernetes refuses a container whose CPU limit is below its request; use at least "1.0001", or leave cpuLimit unset for twice the request',
    ]);
  });

  it("is not refused when the limit equals the request in another notation, or is unset", () => {
    const s = resolveStackConfig(
      { ...withApp({ resources: { cpu: "0.3", cpuLimit: "300m" } }), cockroach: { resources: { cpu: "4" } } },
      "prod",
    );
    expect(s.app.resources).toEqual({ cpu: "0.3", memory: "2Gi", cpuLimit: "300m" });
  });
});

describe("a PersistentVolumeClaim for no storage", () => {
  it("is refused for every volume the stack claims", () => {
    const raw = {
      ...base,
      cockroach: { storage: { size: "0Gi" } },
      seaweedfs: { masterStorage: { size: "0" }, volumeStorage: { size: "0.0Mi" } },
    };
    expect(problems(raw)).toEqual([
      // The volume servers' slot count fails first: no volume fits on an empty disk.
      "vsekai-infra:seaweedfs.volumeSizeLimitMB: 8192 MB volumes do not fit on a 0.0Mi disk (one volume plus room to compact it and 2% free space); use a smaller seaweedfs.volumeSizeLimitMB or a larger disk",
      `vsekai-infra:cockroach.storage.size: ${noStorage("0Gi")}`,
      `vsekai-infra:seaweedfs.masterStorage.size: ${noStorage("0")}`,
      `vsekai-infra:seaweedfs.volumeStorage.size: ${noStorage("0.0Mi")}`,
    ]);
  });

  it("is not refused for a small size", () => {
    const s = resolveStackConfig({ ...base, seaweedfs: { masterStorage: { size: "1Mi" } } }, "prod");
    expect(s.seaweedfs.masterStorage.size).toBe("1Mi");
  });
});

describe("port names (IANA_SVC_NAME)", () => {
  it.each(["1234", "a--b", "-api", "api-"])("%s is refused", (name) => {
    expect(problems(withApp({ ports: [{ name, port: 4000 }] }))).toEqual([
      `vsekai-infra:app.ports[0].name: ${JSON.stringify(name)} is not allowed: expected a port name (a-z, 0-9 and single inner '-', with at least one letter)`,
    ]);
  });

  it("a name the Erlang distribution ports already use is refused", () => {
    expect(problems(withApp({ ports: [{ name: "epmd", port: 4000 }] }))).toEqual([
      'vsekai-infra:app.ports[0].name: "epmd" is not allowed: the Erlang distribution ports are named epmd and erl-dist in the same container, and Kubernetes refuses two ports of one name; pick another name or set app.distribution to false',
    ]);
  });

  it("accepts digits and inner hyphens, and the distribution names without distribution", () => {
    const s = resolveStackConfig(
      withApp({
        ports: [
          { name: "h2-0", port: 4000 },
          { name: "epmd", port: 4001 },
        ],
        distribution: false,
      }),
      "prod",
    );
    expect(s.app.ports.map((p) => p.name)).toEqual(["h2-0", "epmd"]);
  });
});

describe("Ingress rules", () => {
  it.each(["/a//b", "/a/./b", "/a/../b", "/a%2fb", "/a/.", "/.."])("the path %s is refused", (path) => {
    expect(problems(withApp({ ingress: { paths: [{ path, port: "api" }] } }))).toEqual([
      `vsekai-infra:app.ingress.paths[0].path: ${JSON.stringify(path)} is not allowed: expected an absolute path without '//', '/./', '/../' or '%2F', not ending in '/.' or '/..'`,
    ]);
  });

  it("an IP address as the host is refused while the Ingress is on", () => {
    expect(problems(withApp({ host: "10.0.0.1" }))).toEqual([
      'vsekai-infra:app.host: "10.0.0.1" is not allowed with app.ingress.enabled: Kubernetes refuses an Ingress whose host is an IP address; use a DNS name, or set app.ingress.enabled to false',
    ]);
  });

  it("accepts dotted paths, an IP host without an Ingress, and a dotted name that is no IP", () => {
    const paths = [{ path: "/.well-known/x.json", port: "api" }];
    expect(resolveStackConfig(withApp({ ingress: { paths } }), "prod").app.ingress.paths).toEqual(paths);
    const off = resolveStackConfig(withApp({ host: "10.0.0.1", ingress: { enabled: false } }), "prod");
    expect(off.app.host).toBe("10.0.0.1");
    expect(resolveStackConfig(withApp({ host: "1.2.3.256" }), "prod").app.host).toBe("1.2.3.256");
  });
});

describe("DNS subdomain names (StorageClass, IngressClass, Secret names, hosts)", () => {
  it.each<[string, Record<string, unknown>]>([
    ["storageClass", { ...base, storageClass: "fast..ssd" }],
    ["app.host", withApp({ host: "a.-b.example" })],
    ["app.ingress.className", withApp({ ingress: { className: "nginx-.x" } })],
  ])("%s is refused when a label is empty or ends in '-'", (key, raw) => {
    const [problem] = problems(raw);
    expect(problem).toMatch(
      new RegExp(
        `^vsekai-infra:${key.replace(/\./g, "\\.")}: ".*" is not allowed: expected a DNS name \\(dot-separated labels of lowercase letters, digits and inner '-'\\)$`,
      ),
    );
  });

  it("accepts dotted names", () => {
    expect(resolveStackConfig({ ...base, storageClass: "gp3.csi-aws" }, "prod").storageClass).toBe(
      "gp3.csi-aws",
    );
  });
});

describe("image tags, which become the app.kubernetes.io/version label", () => {
  const longTag = `${"a".repeat(62)}-${"b".repeat(8)}`;
  it.each<[string, Record<string, unknown>, string]>([
    ["app.image", withApp({ image: "ghcr.io/v-sekai/uro:v1-" }), "ghcr.io/v-sekai/uro:v1-"],
    [
      "seaweedfs.image",
      { ...base, seaweedfs: { image: "chrislusf/seaweedfs:_4" } },
      "chrislusf/seaweedfs:_4",
    ],
    ["cockroach.image", { ...base, cockroach: { image: `c/r:${longTag}` } }, `c/r:${longTag}`],
  ])("%s is refused when the label would not start and end with a letter or digit", (key, raw, image) => {
    expect(problems(raw)).toEqual([
      `vsekai-infra:${key}: ${JSON.stringify(image)} is not allowed: its tag becomes the app.kubernetes.io/version label (first 63 characters), and ${BAD_LABEL_CHARS}; use a tag such as v1.2.3`,
    ]);
  });

  it("accepts long tags that cut cleanly, digests and registry ports", () => {
    const digest = `ghcr.io/v-sekai/uro@sha256:${"a".repeat(64)}`;
    expect(resolveStackConfig(withApp({ image: digest }), "prod").app.image).toBe(digest);
    const ported = `registry.local:5000/uro:${"v".repeat(80)}`;
    expect(resolveStackConfig(withApp({ image: ported }), "prod").app.image).toBe(ported);
  });
});

describe("object names built from app.name", () => {
  it.each<[number, Record<string, unknown>, string]>([
    [38, {}, 'the migration Job "vsekai-<name>-migrate-<10-digit hash>" would be 64 characters'],
    [51, { migrate: false }, 'the Erlang peers Service "vsekai-<name>-peers" would be 64 characters'],
    [57, { migrate: false, distribution: false }, 'the Service "vsekai-<name>" would be 64 characters'],
  ])("a %i-character name is refused when %o", (length, extra, what) => {
    const name = "u".repeat(length);
    expect(problems(withApp({ name, ...extra }))).toEqual([
      `vsekai-infra:app.name: ${JSON.stringify(name)} is not allowed: ${what.replace("<name>", name)}, and Kubernetes allows 63; use at most ${length - 1} characters`,
    ]);
  });

  it.each<[number, Record<string, unknown>]>([
    [37, {}],
    [50, { migrate: false }],
    [56, { migrate: false, distribution: false }],
  ])("a %i-character name is accepted when %o", (length, extra) => {
    const name = "u".repeat(length);
    expect(resolveStackConfig(withApp({ name, ...extra }), "prod").app.name).toBe(name);
  });
});

describe("the stack name, every object's app.kubernetes.io/instance label", () => {
  it("is refused when it ends in '_', and so is the namespace made from it", () => {
    expect(problems(base, "dev_")).toEqual([
      `stack "dev_": is not allowed as a stack name: every object carries it as the app.kubernetes.io/instance label, and ${BAD_LABEL_CHARS}; rename the stack (\`pulumi stack rename\`)`,
      "vsekai-infra:namespace: nothing is set, and the default \"vsekai-dev-\" made from the stack name is not a namespace name (lowercase letters, digits and inner '-', at most 63); set namespace",
    ]);
  });

  it("is refused when longer than a label value, even with a namespace set", () => {
    const stack = "s".repeat(64);
    expect(problems({ ...base, namespace: "vsekai" }, stack)).toEqual([
      `stack "${stack}": is not allowed as a stack name: every object carries it as the app.kubernetes.io/instance label, and a label value is at most 63 characters (this one has 64); rename the stack (\`pulumi stack rename\`)`,
    ]);
  });

  it("is accepted with capitals, dots and inner underscores, the namespace made lowercase", () => {
    expect(resolveStackConfig(base, "Team.prod_2").namespace).toBe("vsekai-team-prod-2");
  });
});
