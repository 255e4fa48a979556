import { describe, expect, it } from "vitest";
import { quantityNanos } from "../../../components/config/kubernetes-quantity.ts";
import { resolveStackConfig } from "../../../components/config/resolve.ts";
import { VSekaiStack } from "../../../components/stack/component.ts";
import { installMocks, settle, unwrapSecrets, valueOf } from "../harness.ts";
import { stackFileConfig } from "../stack/stack-files.ts";
import { minimalConfig } from "./fixtures.ts";

// What config validation lets through renders objects the API server accepts. The committed stacks, the
// profile defaults and the edges validation allows (the longest app name, the longest stack name, a CPU
// request finer than a millicore) are rendered under mocks, and every object is checked against the API
// server's rules for the fields the settings reach.

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const PORT_NAME = /^(?=.*[a-z])[a-z0-9]+(-[a-z0-9]+)*$/;

type Json = Record<string, unknown>;
interface Container {
  name: string;
  ports?: { name?: string }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}

function walk(value: unknown, visit: (key: string, child: unknown) => void): void {
  if (Array.isArray(value)) value.forEach((v) => walk(v, visit));
  else if (value !== null && typeof value === "object") {
    for (const [key, child] of Object.entries(value)) {
      visit(key, child);
      walk(child, visit);
    }
  }
}

/** The API server's refusals for one object, as "Kind/name: field: reason". */
function refusals(type: string, inputs: Json): string[] {
  const kind = type.split(":").pop() ?? type;
  const meta = inputs.metadata as { name: string };
  const at = (what: string) => `${kind}/${meta.name}: ${what}`;
  const found: string[] = [];
  const name = meta.name;
  if (kind === "Service" && !(DNS1035_LABEL.test(name) && name.length <= 63)) found.push(at("name"));
  else if (kind === "Namespace" && !(DNS1123_LABEL.test(name) && name.length <= 63)) found.push(at("name"));
  else if (!(DNS1123_SUBDOMAIN.test(name) && name.length <= 253)) found.push(at("name"));
  // A Job's name becomes its pods' job-name label.
  if (kind === "Job" && name.length > 63) found.push(at("name as job-name label"));
  walk(inputs, (key, child) => {
    if ((key === "labels" || key === "matchLabels") && child !== null && typeof child === "object") {
      for (const [label, value] of Object.entries(child as Record<string, string>)) {
        if (!(LABEL_VALUE.test(value) && value.length <= 63)) found.push(at(`label ${label}=${value}`));
      }
    }
    if ((key === "containers" || key === "initContainers") && Array.isArray(child)) {
      const names = new Set<string>();
      for (const c of child as Container[]) {
        for (const p of c.ports ?? []) {
          if (p.name === undefined) continue;
          if (!(PORT_NAME.test(p.name) && p.name.length <= 15) || names.has(p.name))
            found.push(at(`port ${p.name}`));
          names.add(p.name);
        }
        const { requests = {}, limits = {} } = c.resources ?? {};
        for (const [resource, request] of Object.entries(requests)) {
          const limit = limits[resource];
          const r = quantityNanos(request);
          const l = limit === undefined ? r : quantityNanos(limit);
          if (r === undefined || l === undefined || r < 0n || l < r) found.push(at(`${c.name} ${resource}`));
        }
      }
    }
    if (key === "volumeClaimTemplates" && Array.isArray(child)) {
      for (const t of child as { spec: { resources: { requests: { storage: string } } } }[]) {
        const size = quantityNanos(t.spec.resources.requests.storage);
        if (size === undefined || size <= 0n) found.push(at("storage"));
      }
    }
  });
  if (kind === "Service") {
    for (const p of (inputs.spec as { ports: { name?: string }[] }).ports) {
      if (p.name !== undefined && !DNS1123_LABEL.test(p.name)) found.push(at(`service port ${p.name}`));
    }
  }
  return found;
}

async function rendered(raw: Record<string, unknown>, stack: string): Promise<[string, Json][]> {
  const mocks = installMocks("vsekai-infra", stack);
  const component = new VSekaiStack("vsekai", resolveStackConfig(raw, stack));
  await valueOf(component.appUrl);
  await settle();
  return mocks.resources
    .filter((r) => r.type.startsWith("kubernetes:"))
    .map((r) => [r.type, unwrapSecrets(r.inputs) as Json]);
}

const prod = minimalConfig("prod");
const app = prod.app as Json;

describe("objects rendered from accepted settings pass the API server's validation", () => {
  it.each<[string, () => Record<string, unknown>, string]>([
    ["the committed dev stack", () => stackFileConfig("dev"), "dev"],
    ["the committed staging stack", () => stackFileConfig("staging"), "staging"],
    ["the committed prod stack", () => stackFileConfig("prod"), "prod"],
    ["the dev profile's defaults", () => minimalConfig("dev"), "dev"],
    ["the staging profile's defaults", () => minimalConfig("staging"), "staging"],
    ["the prod profile's defaults", () => minimalConfig("prod"), "prod"],
    [
      "the longest app name with migration and clustering",
      () => ({ ...prod, app: { ...app, name: "u".repeat(37) } }),
      "prod",
    ],
    ["the longest stack name", () => prod, "s".repeat(63)],
    [
      "CPU requests finer than a millicore",
      () => ({
        ...prod,
        app: { ...app, resources: { cpu: "0.0004" } },
        seaweedfs: { s3: { resources: { cpu: "1m" } } },
      }),
      "prod",
    ],
  ])("%s", async (_what, raw, stack) => {
    const objects = await rendered(raw(), stack);
    expect(objects.length).toBeGreaterThan(40);
    expect(objects.flatMap(([type, inputs]) => refusals(type, inputs))).toEqual([]);
  });

  it("the oracle itself refuses what validation would have refused", () => {
    const bad = {
      metadata: { name: `vsekai-${"u".repeat(38)}-migrate-0123456789`, labels: { v: "v1-" } },
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: "c",
                ports: [{ name: "epmd" }, { name: "epmd" }],
                resources: { requests: { cpu: "2" }, limits: { cpu: "500m" } },
              },
            ],
          },
        },
      },
    };
    expect(refusals("kubernetes:batch/v1:Job", bad)).toEqual([
      `Job/${bad.metadata.name}: name as job-name label`,
      `Job/${bad.metadata.name}: label v=v1-`,
      `Job/${bad.metadata.name}: port epmd`,
      `Job/${bad.metadata.name}: c cpu`,
    ]);
  });
});
