import { configKey, type ConfigProblem } from "./errors.ts";
import { formatNanos, quantityNanos } from "./kubernetes-quantity.ts";
import type { AppSettings, Resources, StackSettings, Storage } from "./types.ts";

// What the Kubernetes API server would refuse in the objects the components render from the resolved
// settings (defaults and profiles included), found before any object is sent. Each check names the
// validation it mirrors; the rendered-object tests hold the components to the same rules.

/** The prefix of every object name; components/stack hands it to the components. */
export const OBJECT_PREFIX = "vsekai";
const MAX_NAME = 63;

/**
 * The CPU limit a container gets: `cpuLimit`, or twice the request, so a busy server is not throttled at
 * exactly what it asked for. Doubled exactly (in nano-cores), so the limit is never below the request.
 */
export function effectiveCpuLimit(r: Resources): string {
  if (r.cpuLimit !== undefined) return r.cpuLimit;
  const request = quantityNanos(r.cpu);
  if (request === undefined) throw new Error(`${JSON.stringify(r.cpu)} is not a CPU quantity`);
  return formatNanos(2n * request);
}

/** validateResourceRequirements: a request must be less than or equal to its limit (Quantity.Cmp). */
export function cpuLimitProblem(path: PropertyKey[], r: Resources): ConfigProblem | undefined {
  if (r.cpuLimit === undefined) return undefined;
  const request = quantityNanos(r.cpu);
  const limit = quantityNanos(r.cpuLimit);
  if (request === undefined || limit === undefined || limit >= request) return undefined;
  return {
    key: configKey([...path, "cpuLimit"]),
    message: `${JSON.stringify(r.cpuLimit)} is not allowed: below ${[...path, "cpu"].join(".")} (${JSON.stringify(r.cpu)}), and Kubernetes refuses a container whose CPU limit is below its request; use at least ${JSON.stringify(r.cpu)}, or leave cpuLimit unset for twice the request`,
  };
}

/** ValidatePersistentVolumeClaimSpec: `resources.requests.storage` must be greater than zero. */
export function storageSizeProblem(path: PropertyKey[], s: Storage): ConfigProblem | undefined {
  const size = quantityNanos(s.size);
  if (size === undefined || size > 0n) return undefined;
  return {
    key: configKey([...path, "size"]),
    message: `${JSON.stringify(s.size)} is not allowed: Kubernetes refuses a PersistentVolumeClaim for no storage; use a size such as 10Gi`,
  };
}

/** IsValidLabelValue: at most 63 characters, empty or starting and ending with a letter or digit. */
export function labelValueProblem(value: string): string | undefined {
  if (value.length > MAX_NAME) return `a label value is at most 63 characters (this one has ${value.length})`;
  if (!/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(value)) {
    return "a label value starts and ends with a letter or digit, with only letters, digits, '-', '_' and '.' between";
  }
  return undefined;
}

/**
 * The image's tag becomes the app.kubernetes.io/version label (its first 63 characters; a digest gives
 * hex digits, always valid), and an invalid label value makes the API server refuse every object.
 */
export function imageLabelProblem(key: PropertyKey[], image: string): ConfigProblem | undefined {
  if (image.includes("@")) return undefined;
  const colon = image.lastIndexOf(":");
  if (colon < image.lastIndexOf("/")) return undefined;
  const reason = labelValueProblem(image.slice(colon + 1).slice(0, MAX_NAME));
  if (reason === undefined) return undefined;
  return {
    key: configKey(key),
    message: `${JSON.stringify(image)} is not allowed: its tag becomes the app.kubernetes.io/version label (first 63 characters), and ${reason}; use a tag such as v1.2.3`,
  };
}

/**
 * Object names built from app.name: the Services must be DNS-1035 labels (ValidateServiceName) and the
 * migration Job's name becomes its pods' `job-name` label (IsValidLabelValue), so each is at most 63.
 */
export function appNameProblem(app: AppSettings): ConfigProblem | undefined {
  const base = `${OBJECT_PREFIX}-${app.name}`;
  const names: [string, string, boolean][] = [
    [`the Service "${base}"`, base, true],
    [`the Erlang peers Service "${base}-peers"`, `${base}-peers`, app.distribution],
    [`the migration Job "${base}-migrate-<10-digit hash>"`, `${base}-migrate-0123456789`, app.migrate],
  ];
  const over = names.filter(([, name, used]) => used && name.length > MAX_NAME);
  const worst = over.sort((a, b) => b[1].length - a[1].length)[0];
  if (worst === undefined) return undefined;
  const [what, name] = worst;
  return {
    key: configKey(["app", "name"]),
    message: `${JSON.stringify(app.name)} is not allowed: ${what} would be ${name.length} characters, and Kubernetes allows 63; use at most ${app.name.length - (name.length - MAX_NAME)} characters`,
  };
}

/** Ingress rules (validateIngressRules): a host must be a DNS name, not an IP address. */
export function ingressHostProblem(app: AppSettings): ConfigProblem | undefined {
  const ipv4 = /^([0-9]+)\.([0-9]+)\.([0-9]+)\.([0-9]+)$/.exec(app.host);
  if (!app.ingress.enabled || !ipv4 || ipv4.slice(1).some((part) => Number(part) > 255)) return undefined;
  return {
    key: configKey(["app", "host"]),
    message: `${JSON.stringify(app.host)} is not allowed with app.ingress.enabled: Kubernetes refuses an Ingress whose host is an IP address; use a DNS name, or set app.ingress.enabled to false`,
  };
}

/**
 * The stack name is every object's app.kubernetes.io/instance label, and by default part of the
 * namespace name (a DNS-1123 label, ValidateNamespaceName).
 */
export function stackNameProblems(settings: StackSettings): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const reason = labelValueProblem(settings.stack);
  if (reason !== undefined) {
    problems.push({
      key: `stack ${JSON.stringify(settings.stack)}`,
      message: `is not allowed as a stack name: every object carries it as the app.kubernetes.io/instance label, and ${reason}; rename the stack (\`pulumi stack rename\`)`,
    });
  }
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(settings.namespace)) {
    problems.push({
      key: configKey(["namespace"]),
      message: `nothing is set, and the default ${JSON.stringify(settings.namespace)} made from the stack name is not a namespace name (lowercase letters, digits and inner '-', at most 63); set namespace`,
    });
  }
  return problems;
}

/** Container ports (validateContainerPorts): names are unique within the container. */
export function portNameClashes(app: AppSettings, distributionPortNames: string[]): ConfigProblem[] {
  if (!app.distribution) return [];
  return app.ports.flatMap((p, i) =>
    distributionPortNames.includes(p.name)
      ? [
          {
            key: configKey(["app", "ports", i, "name"]),
            message: `${JSON.stringify(p.name)} is not allowed: the Erlang distribution ports are named ${distributionPortNames.join(" and ")} in the same container, and Kubernetes refuses two ports of one name; pick another name or set app.distribution to false`,
          },
        ]
      : [],
  );
}

/** Every problem above in the resolved settings, in the order of the config reference. */
export function kubernetesProblems(
  settings: StackSettings,
  distributionPortNames: string[],
): ConfigProblem[] {
  const found: (ConfigProblem | undefined)[] = [...stackNameProblems(settings)];
  if (settings.sql.mode === "cluster") {
    found.push(imageLabelProblem(["cockroach", "image"], settings.sql.image));
    found.push(storageSizeProblem(["cockroach", "storage"], settings.sql.storage));
    found.push(cpuLimitProblem(["cockroach", "resources"], settings.sql.resources));
  }
  const s = settings.seaweedfs;
  found.push(
    imageLabelProblem(["seaweedfs", "image"], s.image),
    cpuLimitProblem(["seaweedfs", "masterResources"], s.masterResources),
    storageSizeProblem(["seaweedfs", "masterStorage"], s.masterStorage),
    cpuLimitProblem(["seaweedfs", "volumeResources"], s.volumeResources),
    storageSizeProblem(["seaweedfs", "volumeStorage"], s.volumeStorage),
    cpuLimitProblem(["seaweedfs", "filer", "resources"], s.filerResources),
    cpuLimitProblem(["seaweedfs", "s3", "resources"], s.s3Resources),
  );
  const app = settings.app;
  found.push(
    appNameProblem(app),
    app.image === undefined ? undefined : imageLabelProblem(["app", "image"], app.image),
    ...portNameClashes(app, distributionPortNames),
    ingressHostProblem(app),
    cpuLimitProblem(["app", "resources"], app.resources),
  );
  return found.filter((p): p is ConfigProblem => p !== undefined);
}
