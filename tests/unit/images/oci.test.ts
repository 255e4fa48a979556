import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  EPOCH,
  MEDIA_TYPES,
  blobPath,
  dockerManifest,
  imageConfig,
  imageIndex,
  imageManifest,
  parseArgs,
  parseRef,
  writeLayout,
  type Descriptor,
  type ImageSpec,
} from "../../../tools/images/oci.ts";

const LAYER: Descriptor = { mediaType: MEDIA_TYPES.layer, digest: `sha256:${"a".repeat(64)}`, size: 1024 };
const SPEC: ImageSpec = {
  ref: "vsekai.local/seaweedfs:4.53-7506e5f",
  entrypoint: ["/usr/bin/weed"],
  cmd: ["version"],
  env: ["PATH=/usr/bin:/bin"],
  user: "1000:1000",
  workingDir: "/data",
  exposedPorts: ["8333/tcp"],
  labels: { "org.opencontainers.image.version": "4.53" },
};

const sha = (bytes: Buffer | string) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

describe("image references", () => {
  it("splits the stack's three tags into name and tag", () => {
    expect(parseRef("vsekai.local/seaweedfs:4.53-7506e5f")).toEqual({
      name: "vsekai.local/seaweedfs",
      tag: "4.53-7506e5f",
    });
    expect(parseRef("vsekai.local/uro-standin:0.1.0")).toEqual({
      name: "vsekai.local/uro-standin",
      tag: "0.1.0",
    });
    expect(parseRef("vsekai.local/postgres-standin:15")).toEqual({
      name: "vsekai.local/postgres-standin",
      tag: "15",
    });
  });

  it.each([
    "vsekai.local/seaweedfs",
    "Vsekai.local/x:1",
    "seaweedfs:4.53",
    "vsekai.local/x:",
    "vsekai.local/x@sha256:ab",
  ])("refuses %s, saying what is expected", (ref) => {
    expect(() => parseRef(ref)).toThrow(
      `image reference ${JSON.stringify(ref)} is not allowed: expected host/name:tag in lower case`,
    );
  });
});

describe("image config, manifest and index", () => {
  it("puts the runtime settings in config and the layer digest in diff_ids, dated at the epoch", () => {
    const config = imageConfig(SPEC, LAYER, "tools/images/build.sh");
    const parsed = JSON.parse(config.bytes.toString()) as Record<string, unknown>;
    expect(parsed).toEqual({
      architecture: "amd64",
      os: "linux",
      created: EPOCH,
      config: {
        Env: ["PATH=/usr/bin:/bin"],
        Labels: { "org.opencontainers.image.version": "4.53" },
        Entrypoint: ["/usr/bin/weed"],
        Cmd: ["version"],
        User: "1000:1000",
        WorkingDir: "/data",
        ExposedPorts: { "8333/tcp": {} },
      },
      rootfs: { type: "layers", diff_ids: [LAYER.digest] },
      history: [{ created: EPOCH, created_by: "tools/images/build.sh" }],
    });
    expect(config.descriptor).toEqual({
      mediaType: MEDIA_TYPES.config,
      digest: sha(config.bytes),
      size: config.bytes.length,
    });
  });

  it("leaves out what the spec does not set instead of writing nulls", () => {
    const bare: ImageSpec = {
      ref: "vsekai.local/uro-standin:0.1.0",
      cmd: ["/app/bin/server"],
      env: [],
      exposedPorts: [],
      labels: {},
    };
    const parsed = JSON.parse(imageConfig(bare, LAYER, "x").bytes.toString()) as {
      config: Record<string, unknown>;
    };
    expect(parsed.config).toEqual({ Env: [], Labels: {}, Cmd: ["/app/bin/server"] });
  });

  it("is byte-for-byte the same for the same inputs (reproducible digests)", () => {
    expect(imageConfig(SPEC, LAYER, "x").descriptor.digest).toBe(
      imageConfig({ ...SPEC }, { ...LAYER }, "x").descriptor.digest,
    );
    expect(imageConfig(SPEC, LAYER, "x").descriptor.digest).not.toBe(
      imageConfig({ ...SPEC, user: "0" }, LAYER, "x").descriptor.digest,
    );
  });

  it("links manifest → config and layer, index → manifest with both names containerd and OCI read", () => {
    const config = imageConfig(SPEC, LAYER, "x");
    const manifest = imageManifest(config.descriptor, LAYER);
    expect(JSON.parse(manifest.bytes.toString())).toEqual({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.manifest,
      config: config.descriptor,
      layers: [LAYER],
    });
    expect(imageIndex(manifest.descriptor, SPEC.ref)).toEqual({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.index,
      manifests: [
        {
          ...manifest.descriptor,
          annotations: {
            "io.containerd.image.name": "vsekai.local/seaweedfs:4.53-7506e5f",
            "org.opencontainers.image.ref.name": "4.53-7506e5f",
          },
        },
      ],
    });
  });

  it("gives docker load the same blobs by path", () => {
    const config = imageConfig(SPEC, LAYER, "x");
    expect(dockerManifest(SPEC.ref, config.descriptor, LAYER)).toEqual([
      {
        Config: `blobs/sha256/${config.descriptor.digest.slice(7)}`,
        RepoTags: ["vsekai.local/seaweedfs:4.53-7506e5f"],
        Layers: [`blobs/sha256/${"a".repeat(64)}`],
      },
    ]);
  });

  it("refuses a digest that is not sha256 hex", () => {
    expect(() => blobPath("sha512:abc")).toThrow('digest "sha512:abc" is not a sha256 digest');
    expect(() => blobPath(`sha256:${"A".repeat(64)}`)).toThrow("is not a sha256 digest");
  });
});

describe("command line", () => {
  it("collects repeated --env, --port and --label", () => {
    const { spec } = parseArgs([
      "--layer",
      "l.tar",
      "--out",
      "o",
      "--ref",
      "vsekai.local/uro-standin:0.1.0",
      "--env",
      "A=1",
      "--env",
      "B=x=y",
      "--port",
      "4000/tcp",
      "--port",
      "4001/tcp",
      "--label",
      "k=v",
      "--user",
      "1000:1000",
    ]);
    expect(spec).toEqual({
      ref: "vsekai.local/uro-standin:0.1.0",
      env: ["A=1", "B=x=y"],
      exposedPorts: ["4000/tcp", "4001/tcp"],
      labels: { k: "v" },
      user: "1000:1000",
    });
  });

  it.each([
    [["--user", "app"], '--user "app" is not allowed: expected a numeric uid[:gid]'],
    [["--port", "4000"], '--port "4000" is not allowed: expected <number>/tcp or /udp'],
    [["--env", "NOVALUE"], '--env "NOVALUE" is not allowed: expected KEY=VALUE'],
    [
      ["--entrypoint", '"/bin/sh"'],
      '--entrypoint "/bin/sh" is not allowed: expected a JSON array of strings',
    ],
    [["--bogus", "x"], "unknown option --bogus"],
    [["--ref"], "--ref needs a value"],
    [["--layer", "l.tar"], "--layer, --out and --ref are required"],
  ])("refuses %j", (args, message) => {
    expect(() => parseArgs(args)).toThrow(message);
  });
});

describe("writeLayout", () => {
  let dir: string | undefined;
  afterEach(() => dir && rmSync(dir, { recursive: true, force: true }));

  it("moves the layer into blobs under its digest and writes every blob under its own digest", async () => {
    dir = mkdtempSync(join(tmpdir(), "oci-test-"));
    const layerBytes = Buffer.from("not really a tar, but bytes with a digest");
    writeFileSync(join(dir, "layer.tar"), layerBytes);
    const manifestDescriptor = await writeLayout(join(dir, "layer.tar"), join(dir, "out"), SPEC);

    const out = join(dir, "out");
    expect(existsSync(join(dir, "layer.tar"))).toBe(false);
    expect(readFileSync(join(out, "oci-layout"), "utf8")).toBe('{"imageLayoutVersion":"1.0.0"}');
    const read = (digest: string) => readFileSync(join(out, blobPath(digest)));
    expect(read(sha(layerBytes))).toEqual(layerBytes);
    const manifestBytes = read(manifestDescriptor.digest);
    expect(sha(manifestBytes)).toBe(manifestDescriptor.digest);
    const manifest = JSON.parse(manifestBytes.toString()) as { config: Descriptor; layers: Descriptor[] };
    expect(manifest.layers).toEqual([
      { mediaType: MEDIA_TYPES.layer, digest: sha(layerBytes), size: layerBytes.length },
    ]);
    expect(sha(read(manifest.config.digest))).toBe(manifest.config.digest);
    const docker = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")) as {
      Config: string;
      Layers: string[];
    }[];
    expect(docker[0]?.Config).toBe(blobPath(manifest.config.digest));
    expect(docker[0]?.Layers).toEqual([blobPath(sha(layerBytes))]);
    const index = JSON.parse(readFileSync(join(out, "index.json"), "utf8")) as { manifests: Descriptor[] };
    expect(index.manifests[0]?.digest).toBe(manifestDescriptor.digest);
  });
});
