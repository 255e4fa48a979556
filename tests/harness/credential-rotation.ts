import { PutObjectCommand, GetObjectCommand } from "@aws-sdk/client-s3";
import * as k8s from "@kubernetes/client-node";
import { appNames } from "../../components/app/names.ts";
import { seaweedfsNames } from "../../components/seaweedfs/index.ts";
import {
  addStandinLogin,
  endStandinSessions,
  setStandinLogin,
  standinSessions,
} from "../../tools/stack/sql-standin-logins.ts";
import { localClusterCidrs } from "./addresses.ts";
import { describeError, s3Client, type S3Target } from "./clients.ts";
import type { StackChange } from "./ha-changes.ts";
import { podsOf } from "./ha-scenarios.ts";
import type { HaStack } from "./ha-stack.ts";

// Credential rotation on the live HA stack (issue 11): the app's S3 keys by seaweedfs.s3KeyGeneration (the
// stack makes them), and its database login the way a user of external mode rotates one at their provider
// (a second login with the same rights, databaseUrl pointed at it). Then the previous keys are retired
// and the old login stopped. The load keeps signing with the old keys through the rotation and with the
// new ones from the retirement on: neither change may fail a request.

const PREFIX = "vsekai";
/** The app's database, its login and owner, as the harness provisions the stand-in; and the second login. */
const APP_DB = { database: "uro", owner: "uro", rotated: "uro_r1" };

/** The keys the load signs with; the retirement moves it onto the stack's current ones. */
export interface KeyPair {
  accessKeyId: string;
  secretAccessKey: string;
}

/** The app's current S3 keys, as the stack outputs them after its last update. */
export async function currentKeys(ha: HaStack): Promise<KeyPair> {
  const outputs = await ha.stack.workspace.stack.outputs();
  const accessKeyId = outputs.s3AccessKeyId?.value;
  const secretAccessKey = outputs.s3SecretAccessKey?.value;
  if (typeof accessKeyId !== "string" || typeof secretAccessKey !== "string") {
    throw new Error("the ha stack has no s3AccessKeyId/s3SecretAccessKey outputs");
  }
  return { accessKeyId, secretAccessKey };
}

/** Puts one object with these keys and reads it back: undefined when both work, else why not. */
export async function s3Refusal(target: S3Target, keys: KeyPair): Promise<string | undefined> {
  const client = s3Client({ ...target, ...keys }, localClusterCidrs(), 10_000);
  const key = `rotation-probe/${keys.accessKeyId.slice(0, 4)}-${Date.now()}`;
  try {
    await client.send(new PutObjectCommand({ Bucket: target.bucket, Key: key, Body: "probe" }));
    const got = await client.send(new GetObjectCommand({ Bucket: target.bucket, Key: key }));
    const body = await got.Body?.transformToString();
    return body === "probe" ? undefined : `read back ${JSON.stringify(body)}`;
  } catch (error) {
    return describeError(error);
  } finally {
    client.destroy();
  }
}

/** Every pod of a Deployment is on its current template and ready, and no old one is left. */
export async function rolledOut(ha: HaStack, name: string): Promise<boolean> {
  const apps = ha.context.kc.makeApiClient(k8s.AppsV1Api);
  const d = await apps.readNamespacedDeployment({ name, namespace: ha.namespace });
  const want = d.spec?.replicas ?? 1;
  const st = d.status;
  return (
    (st?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 1) &&
    st?.updatedReplicas === want &&
    st.readyReplicas === want &&
    st.availableReplicas === want &&
    (st.replicas ?? 0) === want
  );
}

/**
 * The gateway pods by name and container restarts: the same names and counts after a rotation mean no
 * gateway was replaced or restarted (they reload the identities file in place).
 */
export async function gatewayPods(ha: HaStack): Promise<Record<string, number>> {
  const pods = await podsOf(ha.context, "s3");
  return Object.fromEntries(
    pods.map((p) => [
      p.metadata?.name ?? "",
      (p.status?.containerStatuses ?? []).reduce((n, c) => n + c.restartCount, 0),
    ]),
  );
}

/** The stand-in's namespace when the stack runs on it (its logins are the harness's to rotate). */
const standinOf = (ha: HaStack): string | undefined => ha.context.sqlStandin?.namespace;

/**
 * Sessions open on the app's database right now, by login (only on the stand-in). A snapshot, for the
 * output: the app holds no connection between requests, so an empty one proves nothing either way.
 */
export async function appSessions(ha: HaStack): Promise<Record<string, number> | undefined> {
  const namespace = standinOf(ha);
  return namespace === undefined ? undefined : standinSessions(ha.context.kc, namespace, APP_DB.database);
}

export function credentialChanges(
  ha: HaStack,
  bound: number,
): Record<"credentials rotated" | "previous credentials retired", StackChange> {
  const app = appNames(PREFIX, ha.context.appName).deployment;
  const gateways = seaweedfsNames(PREFIX).s3;
  // The gateways reload the identities file in place; the rotation rolls the app.
  const settled = async () => (await rolledOut(ha, gateways)) && (await rolledOut(ha, app));
  const rotated: StackChange = {
    name: "credentials rotated",
    settings: { "seaweedfs.s3KeyGeneration": "1" },
    async prepare() {
      const namespace = standinOf(ha);
      if (namespace === undefined) return;
      const url = await addStandinLogin(ha.context.kc, namespace, {
        login: APP_DB.rotated,
        memberOf: APP_DB.owner,
        database: APP_DB.database,
      });
      rotated.secretSettings = { databaseUrl: url };
    },
    settled,
    recoveryBoundSeconds: bound,
  };
  const retired: StackChange = {
    name: "previous credentials retired",
    settings: { "seaweedfs.s3RetirePreviousKeys": "true" },
    async prepare() {
      // From here on the load signs with the new keys, as every app pod does by now.
      Object.assign(ha.targets.s3, await currentKeys(ha));
      const namespace = standinOf(ha);
      if (namespace === undefined) return;
      // The old login can no longer log in, and its sessions end: an app pod still on it fails its
      // requests under the load that follows, which the test counts as refused for their credentials.
      await setStandinLogin(ha.context.kc, namespace, APP_DB.owner, false);
      const ended = await endStandinSessions(ha.context.kc, namespace, APP_DB.owner);
      console.log(`the ${APP_DB.owner} login stopped; ${ended} of its sessions ended`);
    },
    settled,
    recoveryBoundSeconds: bound,
  };
  return { "credentials rotated": rotated, "previous credentials retired": retired };
}
