import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks.js";
import type { Placement } from "../../components/shared/placement.ts";

// Pulumi mocks that record every resource a program declares, with its resolved inputs, so tests assert
// on the real arguments (probes, flags, env, security contexts) rather than on the existence of objects.

export interface Recorded {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  /** The parent's URN, when the resource was created as a child of a component. */
  parent?: string;
  /** URNs of the resources it depends on (dependsOn and the inputs' own dependencies). */
  dependsOn: string[];
  protect: boolean;
  retainOnDelete: boolean;
  deleteBeforeReplace: boolean;
}

/** The parts of the monitor's RegisterResourceRequest that the mocks' newResource is not given. */
interface RegisterRequest {
  getParent(): string;
  getDependenciesList(): string[];
  getProtect(): boolean | undefined;
  getRetainondelete(): boolean | undefined;
  getDeletebeforereplace(): boolean;
}

interface RecordingMocks extends pulumi.runtime.Mocks {
  /** Called with each registration's request just before newResource for it. */
  registering(request: RegisterRequest): void;
}

// The mock monitor hands newResource only type, name and inputs; the options (parent, protect…) are on the
// request it was called with. The monitor module is shared by every test file of a worker, so it is
// wrapped once, and hands each request to whichever mocks are installed.
const WRAPPED = Symbol.for("vsekai.harness.registering");
type Register = (this: MockMonitor, request: RegisterRequest, callback: unknown) => Promise<void>;
const monitor = MockMonitor.prototype as unknown as { registerResource: Register; [WRAPPED]?: true };
if (!monitor[WRAPPED]) {
  const register = monitor.registerResource;
  monitor.registerResource = function (request, callback) {
    (this.mocks as Partial<RecordingMocks>).registering?.(request);
    return register.call(this, request, callback);
  };
  monitor[WRAPPED] = true;
}

export interface MockState {
  resources: Recorded[];
}

const state: MockState = { resources: [] };

/** Values the mocks give dynamic-provider outputs, so components can wire them like real ones. */
function dynamicOutputs(name: string, inputs: Record<string, unknown>): Record<string, unknown> {
  return {
    ...inputs,
    value: `generated-${name}`,
    certPem: `-----BEGIN CERTIFICATE-----\nmock-${name}\n-----END CERTIFICATE-----\n`,
    keyPem: `-----BEGIN PRIVATE KEY-----\nmock-${name}\n-----END PRIVATE KEY-----\n`,
    notAfter: "2099-01-01T00:00:00.000Z",
  };
}

export function installMocks(project = "vsekai-infra", stack = "test", preview = false): MockState {
  state.resources = [];
  let request: RegisterRequest | undefined;
  const mocks: RecordingMocks = {
    registering(r: RegisterRequest): void {
      request = r;
    },
    newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, unknown> } {
      const inputs = args.inputs as Record<string, unknown>;
      // Reads (Resource.get) arrive without a registration request.
      const options = request;
      request = undefined;
      state.resources.push({
        type: args.type,
        name: args.name,
        inputs,
        parent: options?.getParent() || undefined,
        dependsOn: options?.getDependenciesList() ?? [],
        protect: options?.getProtect() ?? false,
        retainOnDelete: options?.getRetainondelete() ?? false,
        deleteBeforeReplace: options?.getDeletebeforereplace() ?? false,
      });
      const outputs = args.type.startsWith("pulumi-nodejs:dynamic")
        ? dynamicOutputs(args.name, inputs)
        : inputs;
      return { id: `${args.name}-id`, state: outputs };
    },
    call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
      return args.inputs as Record<string, unknown>;
    },
  };
  void pulumi.runtime.setMocks(mocks, project, stack, preview);
  return state;
}

/** Resolves an Output in a test. */
export function valueOf<T>(output: pulumi.Output<T> | pulumi.Input<T>): Promise<T> {
  return new Promise((resolve) => pulumi.output(output).apply((v) => resolve(v as T)));
}

/** Waits until every resource registration started so far has reached the mocks. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

export function ofType(mocks: MockState, type: string): Recorded[] {
  return mocks.resources.filter((r) => r.type === type);
}

export function one(mocks: MockState, type: string, nameIncludes = ""): Recorded {
  const found = ofType(mocks, type).filter((r) => r.name.includes(nameIncludes));
  if (found.length !== 1) {
    throw new Error(
      `expected one ${type} named *${nameIncludes}*, found ${found.map((r) => r.name).join(", ") || "none"}`,
    );
  }
  return found[0] as Recorded;
}

/** Reads a nested field of recorded inputs by a dotted path, e.g. "spec.template.spec.containers". */
export function field<T = unknown>(r: Recorded, path: string): T {
  let current: unknown = r.inputs;
  for (const part of path.split(".")) {
    if (current === null || typeof current !== "object") return undefined as T;
    current = (current as Record<string, unknown>)[part];
  }
  return current as T;
}

/** The signature Pulumi marks a serialized secret with (`{ [SECRET_SIG]: "1b47…", value }`). */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

export function isSecretEnvelope(value: unknown): value is { value: unknown } {
  return value !== null && typeof value === "object" && SECRET_SIG in value;
}

/** A recorded value with every secret envelope replaced by what it wraps, for assertions on content. */
export function unwrapSecrets(value: unknown): unknown {
  if (isSecretEnvelope(value)) return unwrapSecrets(value.value);
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)]));
}

/** A Secret's keys, from stringData and data alike (the kubernetes SDK marks stringData secret). */
export function secretKeys(r: Recorded): string[] {
  const stringData = unwrapSecrets(r.inputs.stringData) as Record<string, unknown> | undefined;
  const data = unwrapSecrets(r.inputs.data) as Record<string, unknown> | undefined;
  return [...Object.keys(stringData ?? {}), ...Object.keys(data ?? {})];
}

/** The placement every component test deploys into. */
export const TEST_PLACEMENT: Placement = {
  namespace: "vsekai-test",
  namespaceName: "vsekai-test",
  instance: "test",
  clusterDomain: "cluster.local",
  imagePullPolicy: "IfNotPresent",
  prefix: "vsekai",
};
