import { spawnSync } from "node:child_process";
import { join } from "node:path";
import type { UpResult } from "@pulumi/pulumi/automation/index.js";
import * as k8s from "@kubernetes/client-node";
import { TLS_SECRET_KEYS, tlsSecretName } from "../../components/app/ingress.ts";
import { appNames } from "../../components/app/names.ts";
import { seaweedfsNames } from "../../components/seaweedfs/topology.ts";
import { HARNESS, policyOptions, prepareLocalStack, type DevStack } from "../../tools/stack/dev-stack.ts";
import { REPO, unprotectAll } from "../../tools/stack/workspace.ts";
import { removeIngressController } from "../../tools/stack/ingress-controller.ts";
import { removeNamespace, removeSqlStandin } from "../../tools/stack/sql-standin.ts";
import type { HttpTarget } from "./clients.ts";
import type { HaContext } from "./ha-scenarios.ts";
import type { Targets } from "./scenarios.ts";
import { kubectlRunner } from "./seaweedfs-status.ts";

// The HA stack (Pulumi.ha.yaml) on the local cluster for the fault scenarios: brought up by the real engine
// with the policy pack at staging's levels, then described as the load generator and the scenarios need it
// (cluster IPs of its Services, the Ingress through Traefik's cluster IP, credentials from the outputs).

export const HA_STACK = "ha";
const PREFIX = "vsekai";
const COUNTS = { masters: 3, volumes: 3, filers: 2, gateways: 2, app: 2 };
const APP_NAME = "uro";

export interface HaStack {
  stack: DevStack;
  up: UpResult;
  upSeconds: number;
  namespace: string;
  targets: Targets;
  context: HaContext;
}

function output(up: UpResult, key: string): string {
  const value = up.outputs[key]?.value;
  if (value === undefined) throw new Error(`the ha stack has no output ${key}`);
  return String(value);
}

async function clusterIp(core: k8s.CoreV1Api, namespace: string, name: string): Promise<string> {
  const ip = (await core.readNamespacedService({ name, namespace })).spec?.clusterIP;
  if (ip === undefined || ip === "None") throw new Error(`Service ${namespace}/${name} has no cluster IP`);
  return ip;
}

async function secretText(
  core: k8s.CoreV1Api,
  namespace: string,
  name: string,
  key: string,
): Promise<string> {
  const data = (await core.readNamespacedSecret({ name, namespace })).data?.[key];
  if (data === undefined) throw new Error(`Secret ${namespace}/${name} has no key ${key}`);
  return Buffer.from(data, "base64").toString("utf8");
}

/** Stops and starts the local cluster the way a node reboot would, through cluster.sh (root). */
export function restartLocalCluster(): Promise<void> {
  const script = join(REPO, "tools", "cluster", "cluster.sh");
  clusterScript(script, "stop", 300);
  try {
    clusterScript(script, "start", 600);
  } catch (error) {
    // The scenario fails on the first error; one more start (which clears a half-started cluster first)
    // is for the suites that run after it, which need a cluster whatever this scenario showed.
    try {
      clusterScript(script, "start", 600);
    } catch {
      // the first error is the one to report
    }
    throw error;
  }
  return Promise.resolve();
}

/** Runs cluster.sh with its output shown; a failure carries the output's last lines, so a report says why. */
function clusterScript(script: string, command: "stop" | "start", seconds: number): void {
  // One stream, in order: cluster.sh's log lines and its errors interleaved as they happened.
  const run = spawnSync("bash", ["-c", 'exec bash "$0" "$1" 2>&1', script, command], {
    encoding: "utf8",
    timeout: seconds * 1000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const output = run.stdout ?? "";
  process.stdout.write(output);
  if (run.status === 0) return;
  const why = run.error === undefined ? `exit code ${run.status ?? run.signal}` : run.error.message;
  const last = output.trimEnd().split("\n").slice(-25).join("\n");
  throw new Error(`cluster.sh ${command} failed (${why}); its last lines:\n${last}`);
}

/** Brings the HA stack up (or updates it) and describes it for the scenarios. */
export async function upHaStack(options: {
  passphrase: string;
  dir?: string;
  onOutput?: (text: string) => void;
}): Promise<HaStack> {
  const stack = await prepareLocalStack(HA_STACK, { passphrase: options.passphrase, dir: options.dir });
  const started = performance.now();
  const up = await stack.workspace.stack.up({
    ...policyOptions(HARNESS[HA_STACK].packConfig),
    ...(options.onOutput ? { onOutput: options.onOutput } : {}),
  });
  const upSeconds = (performance.now() - started) / 1000;
  const namespace = output(up, "namespace");
  const kc = stack.kubeConfig;
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const sw = seaweedfsNames(PREFIX);
  const app = appNames(PREFIX, APP_NAME);
  const appIp = await clusterIp(core, namespace, app.service);
  const service: HttpTarget = { name: "service", baseUrl: `http://${appIp}:4000` };
  const http: HttpTarget[] = [service];
  if (stack.ingress !== undefined) {
    const host = new URL(output(up, "appUrl")).hostname;
    http.push({
      name: "ingress",
      baseUrl: `https://${host}`,
      dialAddress: stack.ingress.clusterIp,
      dialPort: stack.ingress.httpsPort,
      caPem: await secretText(
        core,
        namespace,
        tlsSecretName({ mode: "stack-ca" }, app.service),
        TLS_SECRET_KEYS.ca,
      ),
    });
  }
  const targets: Targets = {
    s3: {
      endpoint: `http://${await clusterIp(core, namespace, sw.s3Service)}:8333`,
      bucket: output(up, "s3Bucket"),
      region: "us-east-1",
      accessKeyId: output(up, "s3AccessKeyId"),
      secretAccessKey: output(up, "s3SecretAccessKey"),
    },
    http,
    rowsVia: service,
  };
  const kubeconfig = process.env.KUBECONFIG;
  if (kubeconfig === undefined) throw new Error("KUBECONFIG must name the local cluster's kubeconfig");
  const context: HaContext = {
    kc,
    kubectl: kubectlRunner(kubeconfig),
    namespace,
    appName: APP_NAME,
    counts: COUNTS,
    ...(stack.sqlTier === "postgres-standin"
      ? {
          sqlStandin: {
            namespace: HARNESS[HA_STACK].standinNamespace,
            selector: "app.kubernetes.io/name=postgres-standin",
          },
        }
      : {}),
    restartCluster: restartLocalCluster,
  };
  return { stack, up, upSeconds, namespace, targets, context };
}

/** Destroys the HA stack; it is protected like staging, so its protection is lifted first, on purpose. */
export async function destroyHaStack(ha: HaStack): Promise<void> {
  await unprotectAll(ha.stack.workspace.stack);
  await ha.stack.workspace.stack.destroy();
}

/** Everything an HA suite leaves: the stack, its namespace, and the harness's SQL stand-in and Traefik. */
export async function tearDownHaStack(ha: HaStack): Promise<void> {
  await destroyHaStack(ha);
  await removeNamespace(ha.stack.kubeConfig, ha.namespace, 300);
  await removeSqlStandin(ha.stack.kubeConfig, HARNESS[HA_STACK].standinNamespace);
  await removeIngressController(ha.stack.kubeConfig);
  // The stack is gone: its temporary workspace (state, project links) goes too.
  ha.stack.workspace.cleanup();
}
