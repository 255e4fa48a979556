import type { ResourceValidationPolicy } from "@pulumi/policy";
import { allContainers, known, quote } from "./kubernetes.ts";
import { configOf, forWorkloads } from "./policy.ts";

// Supply chain: what runs is exactly what was reviewed, from where we chose to pull it.

export interface ImageReference {
  /** Registry host, with Docker Hub spelled "docker.io". */
  registry: string;
  /** Repository path inside the registry, with Docker Hub's implicit "library/" added. */
  repository: string;
  tag?: string;
  digest?: string;
}

/** Splits an image reference the way container runtimes read it. */
export function parseImage(image: string): ImageReference {
  const at = image.indexOf("@");
  const digest = at >= 0 ? image.slice(at + 1) : undefined;
  const named = at >= 0 ? image.slice(0, at) : image;
  const colon = named.lastIndexOf(":");
  const hasTag = colon > named.lastIndexOf("/");
  const tag = hasTag ? named.slice(colon + 1) : undefined;
  const name = hasTag ? named.slice(0, colon) : named;
  const slash = name.indexOf("/");
  const first = slash >= 0 ? name.slice(0, slash) : "";
  // A first segment with a dot or a port, or "localhost", is a registry host; otherwise it is Docker Hub.
  if (slash >= 0 && (first.includes(".") || first.includes(":") || first === "localhost")) {
    return { registry: first, repository: name.slice(slash + 1), tag, digest };
  }
  return { registry: "docker.io", repository: slash >= 0 ? name : `library/${name}`, tag, digest };
}

const pinnedTag: ResourceValidationPolicy = {
  name: "image-pinned-tag",
  description:
    "Images must name a version tag or a digest, never `latest` or nothing (which means latest): a moving " +
    "tag changes what runs without a change to the stack, pods of one workload can run different code, " +
    "and a rollback cannot return to what ran before.",
  validateResource: forWorkloads((workload, _args, report) => {
    for (const c of allContainers(workload.template.spec)) {
      const image = known(() => c.image);
      if (image === undefined && "image" in c) continue; // computed during preview (a docker build)
      if (!image) {
        report(`container ${quote(c.name)} has no image`);
        continue;
      }
      const ref = parseImage(image);
      if (ref.digest !== undefined) continue;
      if (ref.tag === undefined)
        report(`container ${quote(c.name)} uses image ${quote(image)} without a tag`);
      else if (ref.tag === "latest") {
        report(`container ${quote(c.name)} uses image ${quote(image)}: pin a version tag or a digest`);
      }
    }
  }),
};

interface RegistryConfig {
  allowedRegistries: string[];
}

const allowedRegistries: ResourceValidationPolicy = {
  name: "image-allowed-registries",
  description:
    "Images must come from the registries (or registry/organisation prefixes) in allowedRegistries, so a " +
    "typo-squatted or unvetted image cannot reach the cluster. An empty list allows any registry (dev " +
    "builds images locally).",
  configSchema: {
    properties: {
      allowedRegistries: {
        type: "array",
        items: { type: "string" },
        default: [],
        description:
          'Registry hosts or prefixes, e.g. "ghcr.io/v-sekai" or "docker.io/cockroachdb"; Docker Hub is docker.io.',
      },
    },
  },
  validateResource: forWorkloads((workload, args, report) => {
    const { allowedRegistries: allowed } = configOf<RegistryConfig>(args, { allowedRegistries: [] });
    if (allowed.length === 0) return;
    for (const c of allContainers(workload.template.spec)) {
      const image = known(() => c.image);
      if (!image) continue;
      const ref = parseImage(image);
      const location = `${ref.registry}/${ref.repository}`;
      const ok = allowed.some((prefix) => {
        const p = prefix.replace(/\/+$/, "");
        return location === p || location.startsWith(`${p}/`);
      });
      if (!ok) {
        report(
          `container ${quote(c.name)} pulls ${quote(image)} from ${location}, which no allowedRegistries ` +
            `entry covers (${allowed.join(", ")})`,
        );
      }
    }
  }),
};

export const supplyChainPolicies: ResourceValidationPolicy[] = [pinnedTag, allowedRegistries];
