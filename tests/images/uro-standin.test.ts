// The uro stand-in, run from its built image outside Kubernetes: the image's layer is unpacked and the
// release started in a chroot as an unprivileged uid, against a throwaway PostgreSQL 15 (Debian's) and a
// SeaweedFS `weed server -s3` taken from our seaweedfs image, all on loopback. Needs root (chroot, a
// private mount namespace for /dev, running PostgreSQL as its own user) and the images' build tools.
import { CreateBucketCommand, GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { hostname, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const REPO = resolve(import.meta.dirname, "../..");
const BUILD = join(REPO, "tools/images/build.sh");
const PG_BIN = "/usr/lib/postgresql/15/bin";
const APP_UID = 1000;
const LOOPBACK = "127.0.0.1";
const S3_KEY_ID = "standin-test";
const S3_SECRET = randomBytes(24).toString("hex");
const DB_PASSWORD = randomBytes(12).toString("hex");
const BUCKET = "uro";

interface Health {
  status: string;
  service: string;
  database: { ok: boolean; detail: string };
  storage: { ok: boolean; detail: string };
  nodes: string[];
}

const work = mkdtempSync(join(tmpdir(), "uro-standin-test-"));
const processes: ChildProcess[] = [];
const logs: Record<string, string> = {};
let ports: {
  pg: number;
  master: number;
  volume: number;
  filer: number;
  s3: number;
  api: number;
  web: number;
};
let appRoot: string;
let weed: string;
let app: ChildProcess | undefined;

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      server.close(() => done(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** Ports whose +10000 (SeaweedFS's gRPC ports) is free too. */
async function freePortPair(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await freePort();
    if (port + 10000 <= 65535 && (await isFree(port + 10000))) return port;
  }
  throw new Error("no free port pair (p, p+10000) on loopback");
}

async function isFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once("error", () => done(false));
    server.listen(port, LOOPBACK, () => server.close(() => done(true)));
  });
}

function run(command: string, args: string[], options: { timeoutMs: number; env?: NodeJS.ProcessEnv }) {
  const result = spawnSync(command, args, {
    encoding: "utf8",
    timeout: options.timeoutMs,
    env: options.env ?? process.env,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: result.status, output: `${result.stdout ?? ""}${result.stderr ?? ""}` };
}

function mustRun(command: string, args: string[], timeoutMs: number, env?: NodeJS.ProcessEnv): string {
  const result = run(command, args, { timeoutMs, env });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} exited ${result.status}:\n${result.output.slice(-4000)}`);
  }
  return result.output;
}

function start(name: string, command: string, args: string[], env?: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(command, args, {
    env: env ?? process.env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  logs[name] = "";
  const append = (chunk: Buffer) => {
    logs[name] = ((logs[name] ?? "") + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  processes.push(child);
  return child;
}

async function stop(child: ChildProcess | undefined, graceMs = 10_000): Promise<void> {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  process.kill(-child.pid, "SIGTERM");
  const timer = setTimeout(() => child.pid && process.kill(-child.pid, "SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((done) => setTimeout(done, 500));
  }
  throw new Error(
    `${what} not within ${timeoutMs} ms (last error: ${String(last)})\n${JSON.stringify(logs, null, 1)}`,
  );
}

async function health(port: number): Promise<{ status: number; body: Health }> {
  const response = await fetch(`http://${LOOPBACK}:${port}/health`, { signal: AbortSignal.timeout(5_000) });
  return { status: response.status, body: (await response.json()) as Health };
}

/** Unpacks an image archive's single layer (via Docker's manifest.json, which names the blobs). */
function unpackImage(archive: string, into: string): void {
  const layout = join(into, "layout");
  mkdirSync(join(into, "root"), { recursive: true });
  mkdirSync(layout, { recursive: true });
  mustRun("tar", ["-xf", archive, "-C", layout], 120_000);
  const manifest = JSON.parse(readFileSync(join(layout, "manifest.json"), "utf8")) as { Layers: string[] }[];
  const layer = manifest[0]?.Layers[0];
  if (!layer) throw new Error(`${archive} has no layer in manifest.json`);
  mustRun("tar", ["-xf", join(layout, layer), "-C", join(into, "root")], 120_000);
  rmSync(layout, { recursive: true, force: true });
}

function databaseUrl(): string {
  return `postgres://postgres:${DB_PASSWORD}@${LOOPBACK}:${ports.pg}/uro?sslmode=disable`;
}

/**
 * The release in the image's root filesystem, as uid 1000 with only the image's files: a private mount
 * namespace gives it the host's /dev (as a container runtime would) and disappears with it.
 */
function releaseCommand(
  command: string[],
  env: Record<string, string>,
  netns?: string,
): [string, string[], NodeJS.ProcessEnv] {
  const script = `mount --bind /dev "$ROOT/dev" && cd "$ROOT" && exec /usr/sbin/chroot --userspec=${APP_UID}:${APP_UID} . /bin/sh -c 'cd /app && exec "$@"' sh "$@"`;
  const unshare = ["--mount", "--propagation", "private", "/bin/sh", "-c", script, "sh", ...command];
  return [
    netns ? "ip" : "unshare",
    netns ? ["netns", "exec", netns, "unshare", ...unshare] : unshare,
    {
      ROOT: appRoot,
      PATH: "/app/bin:/usr/bin:/bin",
      LANG: "C.UTF-8",
      HOME: "/tmp",
      RELEASE_TMP: "/tmp",
      ...env,
    },
  ];
}

function appEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl(),
    SECRET_KEY_BASE: randomBytes(48).toString("base64"),
    PHX_HOST: "uro.test",
    PHX_SERVER: "true",
    PORT: String(ports.api),
    WEB_PORT: String(ports.web),
    POOL_SIZE: "2",
    S3_ENDPOINT: `http://${LOOPBACK}:${ports.s3}`,
    S3_BUCKET: BUCKET,
    AWS_ACCESS_KEY_ID: S3_KEY_ID,
    AWS_SECRET_ACCESS_KEY: S3_SECRET,
    AWS_REGION: "us-east-1",
    RELEASE_DISTRIBUTION: "none",
    ...overrides,
  };
}

function migrate(env: Record<string, string> = appEnv()) {
  const [command, args, processEnv] = releaseCommand(
    ["bin/uro_standin", "eval", "UroStandin.Release.migrate"],
    env,
  );
  return run(command, args, { timeoutMs: 120_000, env: processEnv });
}

async function startPostgres(): Promise<void> {
  const data = join(work, "pg");
  mkdirSync(data);
  chownSync(data, uidOf("postgres"), uidOf("postgres"));
  const pwfile = join(data, "pw");
  writeFileSync(pwfile, `${DB_PASSWORD}\n`);
  chownSync(pwfile, uidOf("postgres"), uidOf("postgres"));
  const asPostgres = (args: string[]) => ["-u", "postgres", "--", ...args];
  mustRun(
    "runuser",
    asPostgres([
      `${PG_BIN}/initdb`,
      "-D",
      join(data, "data"),
      "-U",
      "postgres",
      `--pwfile=${pwfile}`,
      "--auth=scram-sha-256",
      "--encoding=UTF8",
      "--locale=C",
    ]),
    120_000,
  );
  mustRun(
    "runuser",
    asPostgres([
      `${PG_BIN}/pg_ctl`,
      "-D",
      join(data, "data"),
      "-l",
      join(data, "log"),
      "-w",
      "-t",
      "60",
      "-o",
      `-c listen_addresses=${LOOPBACK} -c port=${ports.pg} -c unix_socket_directories=${data}`,
      "start",
    ]),
    90_000,
  );
  const client = new pg.Client({
    host: LOOPBACK,
    port: ports.pg,
    user: "postgres",
    password: DB_PASSWORD,
    database: "postgres",
  });
  await client.connect();
  await client.query("CREATE DATABASE uro");
  await client.end();
}

function stopPostgres(): void {
  const data = join(work, "pg", "data");
  run(
    "runuser",
    ["-u", "postgres", "--", `${PG_BIN}/pg_ctl`, "-D", data, "-m", "fast", "-w", "-t", "30", "stop"],
    {
      timeoutMs: 45_000,
    },
  );
}

function uidOf(user: string): number {
  return Number(mustRun("id", ["-u", user], 5_000).trim());
}

async function startSeaweedfs(): Promise<void> {
  const dir = join(work, "weed");
  mkdirSync(dir);
  const identities = join(work, "s3.json");
  writeFileSync(
    identities,
    JSON.stringify({
      identities: [
        {
          name: "standin",
          credentials: [{ accessKey: S3_KEY_ID, secretKey: S3_SECRET }],
          actions: ["Admin", "Read", "Write", "List"],
        },
      ],
    }),
  );
  start("weed", weed, [
    "server",
    `-ip=${LOOPBACK}`,
    `-ip.bind=${LOOPBACK}`,
    `-dir=${dir}`,
    `-master.port=${ports.master}`,
    "-master.volumeSizeLimitMB=64",
    `-volume.port=${ports.volume}`,
    "-volume.max=4",
    "-filer",
    `-filer.port=${ports.filer}`,
    "-s3",
    `-s3.port=${ports.s3}`,
    `-s3.config=${identities}`,
  ]);
  const s3 = s3Client();
  await until("the S3 gateway creating the bucket", 120_000, async () => {
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    return true;
  });
}

function s3Client(): S3Client {
  return new S3Client({
    endpoint: `http://${LOOPBACK}:${ports.s3}`,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: S3_KEY_ID, secretAccessKey: S3_SECRET },
  });
}

// After both describe blocks: the clustering tests reuse the unpacked image.
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("uro stand-in image", () => {
  beforeAll(async () => {
    if (process.getuid?.() !== 0)
      throw new Error("this test needs root: chroot, mount namespaces, runuser postgres");
    chmodSync(work, 0o755);
    // Cached when nothing changed; a cold build of weed takes many minutes on two cores.
    mustRun(BUILD, ["--load", "none", "seaweedfs", "uro-standin"], 1_700_000);
    const archives = Object.fromEntries(
      mustRun(BUILD, ["--list", "seaweedfs", "uro-standin"], 60_000)
        .trim()
        .split("\n")
        .map((line) => line.split("\t"))
        .map(([name, , path]) => [name, path]),
    ) as Record<string, string>;
    unpackImage(archives["uro-standin"] as string, join(work, "uro"));
    unpackImage(archives.seaweedfs as string, join(work, "seaweedfs"));
    appRoot = join(work, "uro", "root");
    weed = join(work, "seaweedfs", "root", "usr", "bin", "weed");
    ports = {
      pg: await freePort(),
      master: await freePortPair(),
      volume: await freePortPair(),
      filer: await freePortPair(),
      s3: await freePort(),
      api: await freePort(),
      web: await freePort(),
    };
    await startPostgres();
    await startSeaweedfs();
  }, 1_800_000);

  afterAll(async () => {
    for (const child of processes.reverse()) await stop(child);
    stopPostgres();
  }, 120_000);

  it("refuses to start without SECRET_KEY_BASE, naming it", () => {
    const env = appEnv();
    delete env.SECRET_KEY_BASE;
    const result = migrate(env);
    expect(result.status).not.toBe(0);
    expect(result.output).toContain("environment variable SECRET_KEY_BASE is missing");
  });

  it("migrates: creates its table and seed row, and a second run changes nothing", async () => {
    const first = migrate();
    expect(first.output).toContain("uro-standin: migration done: applied 0.1.0, schema at 0.1.0");
    expect(first.status).toBe(0);
    const second = migrate();
    expect(second.output).toContain("uro-standin: migration done: nothing to apply, schema at 0.1.0");
    expect(second.status).toBe(0);
    const client = new pg.Client({
      host: LOOPBACK,
      port: ports.pg,
      user: "postgres",
      password: DB_PASSWORD,
      database: "uro",
    });
    await client.connect();
    const rows = await client.query("SELECT id, note FROM uro_standin_probes ORDER BY id");
    expect(rows.rows).toEqual([{ id: "1", note: "created by UroStandin.Release.migrate" }]);
    // Both runs are on record, the schema once.
    expect((await client.query("SELECT version FROM uro_standin_migration_runs")).rows).toEqual([
      { version: "0.1.0" },
      { version: "0.1.0" },
    ]);
    expect((await client.query("SELECT version FROM uro_standin_schema")).rows).toEqual([
      { version: "0.1.0" },
    ]);
    await client.end();
  });

  it("serves /health 200 with a real SQL query and a real S3 round trip, on both ports", async () => {
    const [command, args, env] = releaseCommand(["bin/server"], appEnv());
    app = start("uro-standin", command, args, env);
    const ok = await until("/health to answer 200", 120_000, async () => {
      const answer = await health(ports.api);
      return answer.status === 200 ? answer : undefined;
    });
    expect(ok.body).toMatchObject({
      status: "ok",
      service: "uro-standin",
      database: {
        ok: true,
        detail: "SELECT from uro_standin_probes returned the migration's row; schema at 0.1.0",
      },
      storage: { ok: true },
      nodes: [],
    });
    const key = /^PUT and GET of s3:\/\/uro\/(uro-standin\/health\/\S+\/\d+) matched/.exec(
      ok.body.storage.detail,
    )?.[1];
    expect(key).toBeDefined();
    expect((await health(ports.web)).status).toBe(200);

    // The object really is in the bucket, under one of this host's keys (no Erlang distribution: the hostname).
    expect(key?.startsWith(`uro-standin/health/${hostname()}/`)).toBe(true);
    const object = await s3Client().send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    expect(await object.Body?.transformToString()).toMatch(/^uro-standin health \d+ [0-9A-F]{16}$/);

    const page = await fetch(`http://${LOOPBACK}:${ports.web}/`);
    expect(await page.text()).toContain("stand-in for V-Sekai's uro");
    expect(logs["uro-standin"]).toContain(
      "uro-standin 0.1.0 (a stand-in for V-Sekai's uro, not uro itself) starting",
    );
  }, 180_000);

  it("answers 503 with database.ok false when PostgreSQL stops, storage still ok", async () => {
    stopPostgres();
    const degraded = await until("/health to answer 503", 60_000, async () => {
      const answer = await health(ports.api);
      return answer.status === 503 ? answer : undefined;
    });
    expect(degraded.body.status).toBe("degraded");
    expect(degraded.body.database.ok).toBe(false);
    expect(degraded.body.database.detail).toMatch(/connect to 127\.0\.0\.1:\d+ failed: connection refused/);
    expect(degraded.body.storage.ok).toBe(true);
    await stop(app);
  }, 120_000);
});

/**
 * A DNS server answering one name's A records (NXDOMAIN otherwise), standing in for CoreDNS and the
 * headless Service. Started inside a network namespace, where port 53 is free.
 */
const DNS_RESPONDER = `
import dgram from "node:dgram";
const [host, name, ...ips] = process.argv.slice(1);
const socket = dgram.createSocket("udp4");
socket.on("message", (msg, peer) => {
  let offset = 12;
  const labels = [];
  while (msg[offset] !== 0) {
    labels.push(msg.subarray(offset + 1, offset + 1 + msg[offset]).toString());
    offset += msg[offset] + 1;
  }
  const found = labels.join(".").toLowerCase() === name && msg.readUInt16BE(offset + 1) === 1;
  const header = Buffer.alloc(12);
  msg.copy(header, 0, 0, 2);
  header.writeUInt16BE(found ? 0x8180 : 0x8183, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(found ? ips.length : 0, 6);
  const answers = found
    ? ips.map((ip) => Buffer.concat([Buffer.from([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 5, 0, 4]), Buffer.from(ip.split(".").map(Number))]))
    : [];
  socket.send(Buffer.concat([header, msg.subarray(12, offset + 5), ...answers]), peer.port, peer.address);
});
socket.bind(53, host);
`;

describe("uro stand-in clustering through DNS_CLUSTER_QUERY", () => {
  // Two test hosts in network namespaces of our own, joined by a veth pair: each runs a node named
  // uro_standin@<its ip> with its own epmd, as pods do; the first also runs the DNS server that answers
  // the headless Service's name with both addresses.
  const suffix = randomBytes(3).toString("hex");
  interface TestHost {
    netns: string;
    ip: string;
    veth: string;
  }
  const hostA: TestHost = { netns: `uro-a-${suffix}`, ip: "10.251.7.1", veth: `ua${suffix}` };
  const hostB: TestHost = { netns: `uro-b-${suffix}`, ip: "10.251.7.2", veth: `ub${suffix}` };
  const hosts = [hostA, hostB];
  const query = "uro-peers.standin.test";
  const children: ChildProcess[] = [];

  beforeAll(() => {
    if (!appRoot) throw new Error("the image tests above must have unpacked the stand-in image");
    for (const h of hosts) mustRun("ip", ["netns", "add", h.netns], 10_000);
    mustRun("ip", ["link", "add", hostA.veth, "type", "veth", "peer", "name", hostB.veth], 10_000);
    for (const h of hosts) {
      mustRun("ip", ["link", "set", h.veth, "netns", h.netns], 10_000);
      mustRun("ip", ["-n", h.netns, "addr", "add", `${h.ip}/24`, "dev", h.veth], 10_000);
      mustRun("ip", ["-n", h.netns, "link", "set", h.veth, "up"], 10_000);
      mustRun("ip", ["-n", h.netns, "link", "set", "lo", "up"], 10_000);
    }
    // Kubernetes mounts the pod's resolv.conf; here the unpacked image gets one naming our DNS server.
    writeFileSync(join(appRoot, "etc", "resolv.conf"), `nameserver ${hostA.ip}\n`);
    const dnsArgs = [process.execPath, "--input-type=module", "-e", DNS_RESPONDER, hostA.ip, query];
    children.push(start("dns", "ip", ["netns", "exec", hostA.netns, ...dnsArgs, ...hosts.map((h) => h.ip)]));
  }, 60_000);

  afterAll(async () => {
    for (const child of children) await stop(child);
    for (const h of hosts) {
      // epmd daemonises out of the node's process group: end whatever still runs in the namespace.
      const pids = run("ip", ["netns", "pids", h.netns], { timeoutMs: 10_000 })
        .output.split(/\s+/)
        .filter(Boolean);
      for (const pid of pids) process.kill(Number(pid), "SIGKILL");
      run("ip", ["netns", "del", h.netns], { timeoutMs: 10_000 });
    }
  }, 60_000);

  it("each node finds the other through the A records and joins it; /health lists the peer", async () => {
    const cookie = randomBytes(16).toString("hex");
    for (const h of hosts) {
      const env = appEnv({
        RELEASE_DISTRIBUTION: "name",
        RELEASE_NODE: `uro_standin@${h.ip}`,
        RELEASE_COOKIE: cookie,
        DNS_CLUSTER_QUERY: query,
        ERL_AFLAGS: "-kernel inet_dist_listen_min 9100 inet_dist_listen_max 9100",
        PORT: "4000",
        WEB_PORT: "4001",
      });
      const [command, args, processEnv] = releaseCommand(["bin/server"], env, h.netns);
      children.push(start(`node ${h.ip}`, command, args, processEnv));
    }
    for (const [self, peer] of [
      [hostA, hostB],
      [hostB, hostA],
    ] as const) {
      const url = `http://${self.ip}:4000/health`;
      const answer = await until(`uro_standin@${self.ip} to list its peer`, 120_000, async () => {
        const result = run("ip", ["netns", "exec", self.netns, "curl", "-s", "-m", "4", url], {
          timeoutMs: 10_000,
        });
        const body = JSON.parse(result.output) as Health & { node: string };
        return body.nodes.length > 0 ? body : undefined;
      });
      expect(answer.node).toBe(`uro_standin@${self.ip}`);
      expect(answer.nodes).toEqual([`uro_standin@${peer.ip}`]);
    }
    // The node that dialled logs "joined" through Logger, which writes asynchronously: the peer can
    // list it before that line reaches the pipe, so wait (bounded) for the line instead of reading once.
    const joinedLine = /joined uro_standin@10\.251\.7\.[12]/;
    const bothLogs = await until("a node to log that it joined its peer", 15_000, () =>
      Promise.resolve(
        joinedLine.test(`${logs[`node ${hostA.ip}`]}${logs[`node ${hostB.ip}`]}`) ? true : undefined,
      ),
    );
    expect(bothLogs).toBe(true);
  }, 180_000);
});
