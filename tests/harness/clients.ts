import * as http from "node:http";
import * as https from "node:https";
import { S3Client } from "@aws-sdk/client-s3";
import { assertTarget, type Cidr } from "./addresses.ts";

// The two kinds of client the load generator and the data check use, both refusing any address the
// guard does not allow (addresses.ts) and neither retrying: a failure is what a test wants to see.

/** An HTTP endpoint of the app: its Service (plain HTTP to the cluster IP) or the Ingress (HTTPS). */
export interface HttpTarget {
  /** Names the target's streams, e.g. "service" or "ingress". */
  name: string;
  /** What a client would write, e.g. http://10.96.12.7:4000 or https://vsekai-ha.localhost. */
  baseUrl: string;
  /**
   * The IP address to connect to instead of resolving baseUrl's host, e.g. the ingress controller's
   * cluster IP; baseUrl's host then goes in the Host header and, over HTTPS, as SNI and the name the
   * certificate must carry.
   */
  dialAddress?: string;
  /** The port to connect to with dialAddress (default: baseUrl's port, or 80/443). */
  dialPort?: number;
  /** PEM of the CA that must have signed the server's certificate (HTTPS). */
  caPem?: string;
}

export interface HttpAnswer {
  status: number;
  body: string;
}

/** Where a target's requests really go: its dial address, else its URL's host, which must be an IP. */
export function dialledAddress(target: HttpTarget): string {
  return target.dialAddress ?? new URL(target.baseUrl).hostname;
}

export function checkHttpTarget(target: HttpTarget, cidrs: Cidr[]): void {
  assertTarget(dialledAddress(target), cidrs);
}

/** One request on a fresh connection (the stand-in closes each one anyway), within `timeoutMs`. */
export function httpRequest(
  target: HttpTarget,
  method: "GET" | "POST",
  path: string,
  timeoutMs: number,
  body?: string,
): Promise<HttpAnswer> {
  const url = new URL(path, target.baseUrl);
  const secure = url.protocol === "https:";
  const defaultPort = secure ? 443 : 80;
  const port = target.dialPort ?? (url.port === "" ? defaultPort : Number(url.port));
  const options: https.RequestOptions = {
    host: dialledAddress(target).replace(/^\[(.*)\]$/, "$1"),
    port,
    method,
    path: `${url.pathname}${url.search}`,
    agent: false,
    headers: {
      host: url.host,
      ...(body === undefined
        ? {}
        : { "content-type": "text/plain", "content-length": String(Buffer.byteLength(body)) }),
    },
    ...(secure ? { servername: url.hostname, ca: target.caPem, rejectUnauthorized: true } : {}),
  };
  return new Promise((resolve, reject) => {
    const request = (secure ? https : http).request(options, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () =>
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }),
      );
      response.on("error", reject);
    });
    request.setTimeout(timeoutMs, () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on("error", reject);
    request.end(body);
  });
}

export interface S3Target {
  /** The S3 Service, e.g. http://10.96.40.2:8333 (path-style). */
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** A path-style client that tries each request once, with connect and request deadlines. */
export function s3Client(target: S3Target, cidrs: Cidr[], timeoutMs: number): S3Client {
  assertTarget(new URL(target.endpoint).hostname, cidrs);
  return new S3Client({
    endpoint: target.endpoint,
    region: target.region,
    forcePathStyle: true,
    maxAttempts: 1,
    credentials: { accessKeyId: target.accessKeyId, secretAccessKey: target.secretAccessKey },
    requestHandler: { connectionTimeout: Math.min(timeoutMs, 3_000), requestTimeout: timeoutMs },
  });
}

/** A short, single-line reason for a failed request. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return `${error.name === "Error" ? "" : `${error.name}: `}${error.message}${code ? ` (${code})` : ""}`
      .replace(/\s+/g, " ")
      .slice(0, 300);
  }
  return String(error).slice(0, 300);
}
