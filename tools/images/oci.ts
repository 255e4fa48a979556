// Writes a single-layer image in a layout that both loaders read, so no Docker daemon or registry is
// needed to build it: the OCI image layout (oci-layout, index.json, blobs/sha256/…), which `ctr images
// import` reads, plus Docker's manifest.json pointing at the same blobs, which `docker load` reads (Docker
// 20.10 knows only that one). build.sh tars the rootfs into the layer and the directory into the archive;
// this file does the JSON and the digests, where shell quoting would be fragile.
//
// usage: tsx tools/images/oci.ts --layer <layer.tar> --out <dir> --ref <name:tag> [--entrypoint <json>]
//        [--cmd <json>] [--env K=V]… [--user <uid[:gid]>] [--workdir <dir>] [--port <n/tcp>]… [--label k=v]…
import { createHash } from "node:crypto";
import { createReadStream, mkdirSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const MEDIA_TYPES = {
  index: "application/vnd.oci.image.index.v1+json",
  manifest: "application/vnd.oci.image.manifest.v1+json",
  config: "application/vnd.oci.image.config.v1+json",
  layer: "application/vnd.oci.image.layer.v1.tar",
} as const;

/** Every image is dated at the epoch: a build's date would make two builds of the same inputs differ. */
export const EPOCH = "1970-01-01T00:00:00Z";

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

export interface ImageSpec {
  /** name:tag, e.g. vsekai.local/seaweedfs:4.53-7506e5f */
  ref: string;
  entrypoint?: string[];
  cmd?: string[];
  env: string[];
  /** uid[:gid]; numeric, so Kubernetes' runAsNonRoot can check it without reading /etc/passwd. */
  user?: string;
  workingDir?: string;
  exposedPorts: string[];
  labels: Record<string, string>;
}

export interface Blob {
  descriptor: Descriptor;
  bytes: Buffer;
}

const REF =
  /^(?<name>[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\.[a-z0-9-]+)*(?::\d+)?(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)+):(?<tag>[A-Za-z0-9_][A-Za-z0-9._-]{0,127})$/;

/** Splits name:tag, refusing what containerd and docker would refuse (a missing tag, upper case, digests). */
export function parseRef(ref: string): { name: string; tag: string } {
  const match = REF.exec(ref);
  if (!match?.groups) {
    throw new Error(
      `image reference ${JSON.stringify(ref)} is not allowed: expected host/name:tag in lower case`,
    );
  }
  return { name: match.groups.name as string, tag: match.groups.tag as string };
}

export function sha256(bytes: Buffer | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function jsonBlob(mediaType: string, value: unknown): Blob {
  const bytes = Buffer.from(JSON.stringify(value));
  return { descriptor: { mediaType, digest: `sha256:${sha256(bytes)}`, size: bytes.length }, bytes };
}

/** The image config. The layer is uncompressed, so its diff_id is its own digest. */
export function imageConfig(spec: ImageSpec, layer: Descriptor, createdBy: string): Blob {
  const config: Record<string, unknown> = { Env: spec.env, Labels: spec.labels };
  if (spec.entrypoint) config.Entrypoint = spec.entrypoint;
  if (spec.cmd) config.Cmd = spec.cmd;
  if (spec.user) config.User = spec.user;
  if (spec.workingDir) config.WorkingDir = spec.workingDir;
  if (spec.exposedPorts.length > 0) {
    config.ExposedPorts = Object.fromEntries(spec.exposedPorts.map((p) => [p, {}]));
  }
  return jsonBlob(MEDIA_TYPES.config, {
    architecture: "amd64",
    os: "linux",
    created: EPOCH,
    config,
    rootfs: { type: "layers", diff_ids: [layer.digest] },
    history: [{ created: EPOCH, created_by: createdBy }],
  });
}

export function imageManifest(config: Descriptor, layer: Descriptor): Blob {
  return jsonBlob(MEDIA_TYPES.manifest, {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.manifest,
    config: { mediaType: config.mediaType, digest: config.digest, size: config.size },
    layers: [{ mediaType: layer.mediaType, digest: layer.digest, size: layer.size }],
  });
}

/**
 * index.json names the image twice: `io.containerd.image.name` is the full reference `ctr images import`
 * registers; `org.opencontainers.image.ref.name` is the tag, as the OCI layout spec has it.
 */
export function imageIndex(manifest: Descriptor, ref: string): unknown {
  const { tag } = parseRef(ref);
  return {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.index,
    manifests: [
      {
        mediaType: manifest.mediaType,
        digest: manifest.digest,
        size: manifest.size,
        annotations: { "io.containerd.image.name": ref, "org.opencontainers.image.ref.name": tag },
      },
    ],
  };
}

/** Docker's manifest.json, with paths into the same blobs directory. */
export function dockerManifest(ref: string, config: Descriptor, layer: Descriptor): unknown {
  parseRef(ref);
  return [{ Config: blobPath(config.digest), RepoTags: [ref], Layers: [blobPath(layer.digest)] }];
}

export function blobPath(digest: string): string {
  const [algorithm, hex] = digest.split(":");
  if (algorithm !== "sha256" || !hex || !/^[0-9a-f]{64}$/.test(hex)) {
    throw new Error(`digest ${JSON.stringify(digest)} is not a sha256 digest`);
  }
  return `blobs/sha256/${hex}`;
}

async function fileDigest(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest("hex")}`;
}

/** Moves the layer into <out>/blobs and writes the configs, manifests and index next to it. */
export async function writeLayout(layerPath: string, out: string, spec: ImageSpec): Promise<Descriptor> {
  const layer: Descriptor = {
    mediaType: MEDIA_TYPES.layer,
    digest: await fileDigest(layerPath),
    size: statSync(layerPath).size,
  };
  const config = imageConfig(spec, layer, "tools/images/build.sh");
  const manifest = imageManifest(config.descriptor, layer);
  mkdirSync(join(out, "blobs", "sha256"), { recursive: true });
  renameSync(layerPath, join(out, blobPath(layer.digest)));
  for (const blob of [config, manifest])
    writeFileSync(join(out, blobPath(blob.descriptor.digest)), blob.bytes);
  writeFileSync(join(out, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  writeFileSync(join(out, "index.json"), JSON.stringify(imageIndex(manifest.descriptor, spec.ref)));
  writeFileSync(
    join(out, "manifest.json"),
    JSON.stringify(dockerManifest(spec.ref, config.descriptor, layer)),
  );
  return manifest.descriptor;
}

function keyValue(flag: string, raw: string): [string, string] {
  const at = raw.indexOf("=");
  if (at <= 0) throw new Error(`${flag} ${JSON.stringify(raw)} is not allowed: expected KEY=VALUE`);
  return [raw.slice(0, at), raw.slice(at + 1)];
}

function stringArray(flag: string, raw: string): string[] {
  const value: unknown = JSON.parse(raw);
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
    throw new Error(`${flag} ${raw} is not allowed: expected a JSON array of strings`);
  }
  return value as string[];
}

/** Parses the command line into the layer path, the output directory and the image spec. */
export function parseArgs(argv: string[]): { layer: string; out: string; spec: ImageSpec } {
  let layer: string | undefined;
  let out: string | undefined;
  const spec: ImageSpec = { ref: "", env: [], exposedPorts: [], labels: {} };
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i] as string;
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    switch (flag) {
      case "--layer":
        layer = value;
        break;
      case "--out":
        out = value;
        break;
      case "--ref":
        parseRef(value);
        spec.ref = value;
        break;
      case "--entrypoint":
        spec.entrypoint = stringArray(flag, value);
        break;
      case "--cmd":
        spec.cmd = stringArray(flag, value);
        break;
      case "--env":
        keyValue(flag, value);
        spec.env.push(value);
        break;
      case "--user":
        if (!/^\d+(:\d+)?$/.test(value)) {
          throw new Error(`--user ${JSON.stringify(value)} is not allowed: expected a numeric uid[:gid]`);
        }
        spec.user = value;
        break;
      case "--workdir":
        spec.workingDir = value;
        break;
      case "--port":
        if (!/^\d{1,5}\/(tcp|udp)$/.test(value)) {
          throw new Error(`--port ${JSON.stringify(value)} is not allowed: expected <number>/tcp or /udp`);
        }
        spec.exposedPorts.push(value);
        break;
      case "--label": {
        const [k, v] = keyValue(flag, value);
        spec.labels[k] = v;
        break;
      }
      default:
        throw new Error(`unknown option ${flag}`);
    }
  }
  if (!layer || !out || !spec.ref) throw new Error("--layer, --out and --ref are required");
  return { layer, out, spec };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    const { layer, out, spec } = parseArgs(process.argv.slice(2));
    const manifest = await writeLayout(layer, out, spec);
    process.stdout.write(`${manifest.digest}\n`);
  } catch (error) {
    process.stderr.write(`oci.ts: ${(error as Error).message}\n`);
    process.exit(1);
  }
}
