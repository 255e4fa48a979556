import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { mebibytes, memoryBytes } from "../../components/shared/quantity.ts";
import {
  allContainers,
  kindOf,
  known,
  quote,
  type Container,
  type Volume,
  type Workload,
} from "./kubernetes.ts";
import { configOf, environmentOf, environmentSchema, forWorkloads, type Environment } from "./policy.ts";
import { protectDataNamespace, protectStatefulData } from "./data-protection.ts";
import { cockroachCalls, cockroachNode, dataDirectories } from "./stack-components.ts";

// Data safety: what the databases store survives pod restarts, rescheduling and `pulumi destroy` of a
// single object, and the database is neither open to anyone nor killed by its own memory settings. The
// rules against replacing or deleting data-holding objects are in data-protection.ts.

/** The volume mounted at or above `path` in a container (the deepest mount wins), if any. */
function mountFor(container: Container, path: string): { name: string; mountPath: string } | undefined {
  const holding = (container.volumeMounts ?? []).filter((m) => {
    const at = m.mountPath.replace(/\/+$/, "");
    return path === at || path.startsWith(`${at}/`) || at === "";
  });
  return holding.sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
}

function volumeKind(volume: Volume | undefined): string {
  if (volume === undefined) return "undeclared";
  const source = Object.keys(volume).find((k) => k !== "name");
  return source ?? "undeclared";
}

const dataOnPvc: ResourceValidationPolicy = {
  name: "stateful-data-on-pvc",
  description:
    "CockroachDB stores (--store) and SeaweedFS master (-mdir) and volume (-dir) directories must be on a " +
    "PersistentVolumeClaim (a StatefulSet claim template or a PVC volume): the container filesystem and " +
    "emptyDir vanish with the pod, and hostPath ties the data to one node and loses it when the pod moves.",
  validateResource: forWorkloads((workload, _args, report) => {
    const spec = workload.template.spec ?? {};
    for (const c of spec.containers ?? []) {
      for (const dir of dataDirectories(c)) {
        for (const path of dir.paths) {
          const where = `container ${quote(c.name)} keeps ${dir.program} data (${dir.flag} ${path})`;
          const mount = mountFor(c, path);
          if (!mount) {
            report(`${where} on the container's own filesystem; mount a PersistentVolumeClaim there`);
            continue;
          }
          if (workload.claimTemplates.includes(mount.name)) continue;
          const volume = (spec.volumes ?? []).find((v) => v.name === mount.name);
          const kind = volumeKind(volume);
          if (kind === "persistentVolumeClaim") continue;
          report(`${where} on ${kind} volume ${quote(mount.name)}; use a PersistentVolumeClaim`);
        }
      }
    }
  }),
};

function insecureMessages(workload: Workload): string[] {
  const messages: string[] = [];
  for (const c of allContainers(workload.template.spec)) {
    for (const call of cockroachCalls(c)) {
      if (call.flags.has("insecure")) {
        messages.push(`container ${quote(c.name)} runs cockroach ${call.command} with --insecure`);
      }
    }
    const env = (c.env ?? []).find((e) => e.name === "COCKROACH_INSECURE");
    if (env && /^(true|1|t)$/i.test(known(() => env.value) ?? "")) {
      messages.push(`container ${quote(c.name)} sets COCKROACH_INSECURE=${env.value}`);
    }
  }
  return [...new Set(messages)];
}

const cockroachInsecure: ResourceValidationPolicy = {
  name: "cockroachdb-insecure",
  description:
    "CockroachDB's --insecure mode (no TLS, no passwords: anyone who reaches port 26257 is root) is for dev " +
    "only; staging and prod nodes and clients must use certificates.",
  configSchema: environmentSchema,
  validateResource: forWorkloads((workload, args, report) => {
    const environment = environmentOf(args);
    if (environment === "dev") return;
    for (const message of insecureMessages(workload)) report(`${message}, not allowed in ${environment}`);
  }),
};

const SIZE_UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  m: 1e6,
  mb: 1e6,
  g: 1e9,
  gb: 1e9,
  t: 1e12,
  tb: 1e12,
  ki: 1024,
  kib: 1024,
  mi: 1024 ** 2,
  mib: 1024 ** 2,
  gi: 1024 ** 3,
  gib: 1024 ** 3,
  ti: 1024 ** 4,
  tib: 1024 ** 4,
};

/**
 * Bytes a cockroach memory flag gives, read as cockroach reads it: a percentage ("25%") or a decimal
 * fraction below 1 ("0.25") of the memory available to it, or a size ("2GiB", "2048MiB", "2GB").
 */
export function cockroachMemoryBytes(value: string, limitBytes: number): number | undefined {
  const v = value.trim();
  const percent = /^([0-9]+(?:\.[0-9]+)?)%$/.exec(v);
  if (percent) return (Number(percent[1]) / 100) * limitBytes;
  if (/^0?\.[0-9]+$/.test(v)) return Number(v) * limitBytes;
  const size = /^([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)$/.exec(v);
  const factor = size ? SIZE_UNITS[(size[2] ?? "").toLowerCase()] : undefined;
  if (!size || factor === undefined) return undefined;
  return Number(size[1]) * factor;
}

/** CockroachDB's defaults when a flag is absent. */
const DEFAULT_CACHE = "128MiB";
const DEFAULT_MAX_SQL_MEMORY = "25%";

interface MemoryConfig {
  maxMemoryFraction: number;
}

const cockroachMemory: ResourceValidationPolicy = {
  name: "cockroachdb-memory-flags",
  description:
    "A CockroachDB node's --cache plus --max-sql-memory must fit in maxMemoryFraction (80%) of its " +
    "container's memory limit, leaving the rest for the Go heap and everything else: above that the " +
    "kernel OOM-kills the node under load, the most common way CockroachDB on Kubernetes falls over.",
  configSchema: {
    properties: {
      maxMemoryFraction: {
        type: "number",
        minimum: 0.1,
        maximum: 1,
        default: 0.8,
        description: "Share of the memory limit cache and SQL memory may take together.",
      },
    },
  },
  validateResource: forWorkloads((workload, args, report) => {
    const { maxMemoryFraction } = configOf<MemoryConfig>(args, { maxMemoryFraction: 0.8 });
    for (const c of workload.template.spec?.containers ?? []) {
      const node = cockroachNode(c);
      if (!node) continue;
      const limit = known(() => c.resources?.limits?.memory);
      if (limit === undefined) {
        report(`container ${quote(c.name)} has no memory limit to size --cache and --max-sql-memory against`);
        continue;
      }
      const limitBytes = memoryBytes(String(limit));
      if (limitBytes === undefined) continue; // not a quantity: the API server refuses it anyway
      const cache = known(() => node.flags.get("cache")) ?? DEFAULT_CACHE;
      const sql = known(() => node.flags.get("max-sql-memory")) ?? DEFAULT_MAX_SQL_MEMORY;
      const cacheBytes = cockroachMemoryBytes(cache, limitBytes);
      const sqlBytes = cockroachMemoryBytes(sql, limitBytes);
      if (cacheBytes === undefined || sqlBytes === undefined) {
        const bad = cacheBytes === undefined ? `--cache=${cache}` : `--max-sql-memory=${sql}`;
        report(`container ${quote(c.name)} sets ${bad}, which is neither a size nor a share of memory`);
        continue;
      }
      const budget = maxMemoryFraction * limitBytes;
      if (cacheBytes + sqlBytes > budget) {
        report(
          `container ${quote(c.name)} gives --cache=${cache} and --max-sql-memory=${sql} ` +
            `${mebibytes(cacheBytes + sqlBytes)}MiB together, more than ${Math.round(maxMemoryFraction * 100)}% ` +
            `of its ${limit} memory limit (${mebibytes(budget)}MiB)`,
        );
      }
    }
  }),
};

interface ReclaimConfig {
  environment: Environment;
}

const retainData: ResourceValidationPolicy = {
  name: "retain-data-in-prod",
  description:
    "In prod, nothing the stack declares may delete database volumes on its own: no StorageClass or " +
    "PersistentVolume with reclaimPolicy Delete (a StorageClass without one defaults to Delete), and no " +
    "StatefulSet whose persistentVolumeClaimRetentionPolicy deletes claims. One mistaken `pulumi destroy` " +
    "or scale-down must not be the end of the data.",
  configSchema: environmentSchema,
  validateResource: (args, report) => {
    const { environment } = configOf<ReclaimConfig>(args, { environment: "prod" });
    if (environment !== "prod") return;
    const kind = kindOf(args.type);
    const props = args.props as {
      metadata?: { name?: string };
      reclaimPolicy?: string;
      spec?: {
        persistentVolumeReclaimPolicy?: string;
        persistentVolumeClaimRetentionPolicy?: { whenDeleted?: string; whenScaled?: string };
      };
    };
    const name = quote(known(() => props.metadata?.name) ?? args.name);
    if (kind === "StorageClass") {
      const policy = known(() => props.reclaimPolicy);
      if (policy === undefined && !("reclaimPolicy" in props)) {
        report(`StorageClass ${name} sets no reclaimPolicy, so its volumes are deleted with their claims`);
      } else if (policy === "Delete") {
        report(`StorageClass ${name} deletes volumes with their claims (reclaimPolicy Delete)`);
      }
    } else if (kind === "PersistentVolume") {
      if (known(() => props.spec?.persistentVolumeReclaimPolicy) === "Delete") {
        report(`PersistentVolume ${name} is deleted with its claim (persistentVolumeReclaimPolicy Delete)`);
      }
    } else if (kind === "StatefulSet") {
      const retention = known(() => props.spec?.persistentVolumeClaimRetentionPolicy);
      for (const when of ["whenDeleted", "whenScaled"] as const) {
        if (known(() => retention?.[when]) === "Delete") {
          report(
            `StatefulSet ${name} deletes its PersistentVolumeClaims (persistentVolumeClaimRetentionPolicy.${when} Delete)`,
          );
        }
      }
    }
  },
};

export const dataSafetyPolicies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
  dataOnPvc,
  cockroachInsecure,
  cockroachMemory,
  retainData,
  protectStatefulData,
  protectDataNamespace,
];
