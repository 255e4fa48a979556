import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, DeleteObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { s3Client, type S3Target } from "../../../tests/harness/clients.ts";
import { checkData } from "../../../tests/harness/data-check.ts";
import { startLoad } from "../../../tests/harness/load.ts";
import { formatSummary } from "../../../tests/harness/outcomes.ts";

// The S3 half of the load generator against a real SeaweedFS: `weed server -s3` on loopback, the weed
// binary taken from the seaweedfs image tools/images/build.sh makes (or VSEKAI_WEED). Objects of random
// sizes are PUT and read back with their sha256, the data check reads every acknowledged one again, and
// an object deleted behind the generator's back is reported by key. Without a weed binary on this machine
// the test is skipped, saying why: the S3 client is never mocked.

const IMAGES = join(process.env.VSEKAI_CACHE ?? join(homedir(), ".cache", "vsekai-infra"), "images");
const KEY_ID = "loadtest";
const SECRET = "loadtest-secret-key-0123456789";

/** VSEKAI_WEED, else the newest seaweedfs image archive's /usr/bin/weed, unpacked into `into`. */
function findWeed(into: string): string | undefined {
  if (process.env.VSEKAI_WEED) return process.env.VSEKAI_WEED;
  if (!existsSync(IMAGES)) return undefined;
  const archives = readdirSync(IMAGES)
    .filter((f) => /^seaweedfs-.*\.tar$/.test(f))
    .map((f) => join(IMAGES, f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  const archive = archives[0];
  if (archive === undefined) return undefined;
  const tar = (args: string[]) => {
    const result = spawnSync("tar", args, { encoding: "utf8", timeout: 120_000 });
    if (result.status !== 0) throw new Error(`tar ${args.join(" ")}: ${result.stderr}`);
  };
  tar(["-xf", archive, "-C", into, "manifest.json"]);
  const manifest = JSON.parse(readFileSync(join(into, "manifest.json"), "utf8")) as { Layers: string[] }[];
  const layer = manifest[0]?.Layers[0];
  if (layer === undefined) throw new Error(`${archive} has no layer`);
  tar(["-xf", archive, "-C", into, layer]);
  tar(["-xf", join(into, layer), "-C", into, "usr/bin/weed"]);
  return join(into, "usr", "bin", "weed");
}

async function isFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once("error", () => done(false));
    server.listen(port, "127.0.0.1", () => server.close(() => done(true)));
  });
}

/** A free port whose +10000 (SeaweedFS's gRPC port for it) is free too. */
async function freePortPair(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    if ((await isFree(port)) && (await isFree(port + 10_000))) return port;
  }
  throw new Error("no free port pair (p, p+10000) on loopback");
}

const work = mkdtempSync(join(tmpdir(), "vsekai-s3-load-"));
const weed = findWeed(work);
let server: ChildProcess | undefined;
let log = "";
let target: S3Target;

describe.skipIf(weed === undefined)("the load generator against a real weed server -s3 on loopback", () => {
  beforeAll(async () => {
    const [master, volume, filer, s3] = [
      await freePortPair(),
      await freePortPair(),
      await freePortPair(),
      await freePortPair(),
    ];
    const data = join(work, "data");
    mkdirSync(data);
    const identities = join(work, "s3.json");
    writeFileSync(
      identities,
      JSON.stringify({
        identities: [
          {
            name: "load",
            credentials: [{ accessKey: KEY_ID, secretKey: SECRET }],
            actions: ["Admin", "Read", "Write", "List"],
          },
        ],
      }),
    );
    server = spawn(
      weed as string,
      [
        "server",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        `-dir=${data}`,
        `-master.port=${master}`,
        "-master.volumeSizeLimitMB=64",
        `-volume.port=${volume}`,
        "-volume.max=8",
        "-filer",
        `-filer.port=${filer}`,
        "-s3",
        `-s3.port=${s3}`,
        `-s3.config=${identities}`,
      ],
      { detached: true, stdio: ["ignore", "pipe", "pipe"] },
    );
    const append = (chunk: Buffer) => (log = (log + chunk.toString()).slice(-10_000));
    server.stdout?.on("data", append);
    server.stderr?.on("data", append);
    target = {
      endpoint: `http://127.0.0.1:${s3}`,
      bucket: "load",
      region: "us-east-1",
      accessKeyId: KEY_ID,
      secretAccessKey: SECRET,
    };
    // The bucket, then one object: SeaweedFS allocates its first volumes on the first write, which can
    // take longer than the generator's request timeout; the run below measures the generator, not that.
    const client = s3Client(target, [], 30_000);
    const deadline = Date.now() + 120_000;
    const until = async (what: string, action: () => Promise<unknown>) => {
      for (;;) {
        try {
          return await action();
        } catch (error) {
          if (Date.now() > deadline) throw new Error(`${what}: ${String(error)}\n${log}`);
          await new Promise((r) => setTimeout(r, 1_000));
        }
      }
    };
    await until("the S3 gateway never created the bucket", () =>
      client.send(new CreateBucketCommand({ Bucket: target.bucket })),
    );
    await until("the first object was never written", () =>
      client.send(new PutObjectCommand({ Bucket: target.bucket, Key: "warm-up", Body: "warm-up" })),
    );
  }, 180_000);

  afterAll(async () => {
    if (server?.pid !== undefined && server.exitCode === null) {
      const exited = new Promise((resolve) => server?.once("exit", resolve));
      process.kill(-server.pid, "SIGTERM");
      const timer = setTimeout(() => server?.pid && process.kill(-server.pid, "SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(work, { recursive: true, force: true });
  }, 30_000);

  it("PUTs objects of random sizes, reads each back by sha256, and the data check finds every one and names a lost one", async () => {
    const result = await startLoad({
      s3: target,
      http: [],
      maxRequests: 400,
      maxSeconds: 8,
      intervalMs: 20,
      objectBytes: { min: 1, max: 300_000 },
    }).finished;
    console.info(`${formatSummary(result.summary)}\n  objects acknowledged: ${result.objects.length}`);
    expect(result.summary.failed, JSON.stringify(result.records.filter((r) => !r.ok).slice(0, 3))).toBe(0);
    expect(result.objects.length).toBeGreaterThan(5);
    // A PUT and its GET per object, but for a last PUT whose GET the bound cut off.
    expect([result.objects.length * 2 - 1, result.objects.length * 2]).toContain(result.summary.sent);
    const sizes = result.objects.map((o) => o.size);
    expect(Math.max(...sizes)).toBeGreaterThan(Math.min(...sizes));

    const intact = await checkData({ s3: target, objects: result.objects, rows: [] });
    expect(intact.objects).toEqual({
      acknowledged: result.objects.length,
      intact: result.objects.length,
      problems: [],
    });

    const lost = result.objects[1]?.key ?? "";
    await s3Client(target, [], 5_000).send(new DeleteObjectCommand({ Bucket: target.bucket, Key: lost }));
    const check = await checkData({
      s3: target,
      objects: result.objects,
      rows: [],
      attempts: 2,
      retryDelayMs: 10,
    });
    expect(check.objects.intact).toBe(result.objects.length - 1);
    expect(check.objects.problems).toEqual([
      { item: lost, problem: expect.stringMatching(/^NoSuchKey: /) as unknown as string },
    ]);
  }, 120_000);
});

if (weed === undefined) {
  it.skip(`the S3 half waits for a weed binary: run tools/images/build.sh seaweedfs (archive in ${IMAGES}) or set VSEKAI_WEED`, () => {});
}
