import * as k8s from "@kubernetes/client-node";
import { appNames } from "../../components/app/names.ts";
import { TLS_SECRET_KEYS, tlsSecretName } from "../../components/app/ingress.ts";
import type { IngressTls } from "../../components/config/types.ts";
import { S3_REGION, seaweedfsNames } from "../../components/seaweedfs/index.ts";
import { S3_PORT } from "../../components/seaweedfs/topology.ts";
import type { HttpTarget, S3Target } from "./clients.ts";

// Where the load generator aims on a live stack, found in the cluster rather than written down: the cluster
// IPs of the S3 Service, the app's Service and the ingress controller's Service (kube-proxy routes them on
// this node), and the CA in the Ingress's TLS Secret. Names come from the components' own naming.

export interface StackOutputs {
  namespace: string;
  appUrl: string;
  s3Bucket: string;
  s3AccessKeyId: string;
  s3SecretAccessKey: string;
}

export interface StackTargets {
  s3: S3Target;
  /** The app's Service, plain HTTP on its first port (the API). */
  service: HttpTarget;
  /** The Ingress over HTTPS through the controller's cluster IP, when the stack has one. */
  ingress?: HttpTarget;
}

export interface TargetOptions {
  prefix?: string;
  app?: string;
  appPort?: number;
  /** The ingress controller's Service, e.g. { namespace: "ingress-traefik", name: "traefik", port: 443 }. */
  ingressController?: { namespace: string; name: string; port: number };
  /** The stack's app.ingress.tls (stack-ca: the CA is read from the Secret). */
  ingressTls?: IngressTls;
}

async function clusterIp(core: k8s.CoreV1Api, namespace: string, name: string): Promise<string> {
  const service = await core.readNamespacedService({ name, namespace });
  const ip = service.spec?.clusterIP;
  if (ip === undefined || ip === "None") throw new Error(`Service ${namespace}/${name} has no cluster IP`);
  return ip;
}

export async function stackTargets(
  kc: k8s.KubeConfig,
  outputs: StackOutputs,
  options: TargetOptions = {},
): Promise<StackTargets> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const prefix = options.prefix ?? "vsekai";
  const app = appNames(prefix, options.app ?? "uro");
  const s3 = seaweedfsNames(prefix);
  const ns = outputs.namespace;
  const targets: StackTargets = {
    s3: {
      endpoint: `http://${await clusterIp(core, ns, s3.s3Service)}:${S3_PORT}`,
      bucket: outputs.s3Bucket,
      region: S3_REGION,
      accessKeyId: outputs.s3AccessKeyId,
      secretAccessKey: outputs.s3SecretAccessKey,
    },
    service: {
      name: "service",
      baseUrl: `http://${await clusterIp(core, ns, app.service)}:${options.appPort ?? 4000}`,
    },
  };
  const controller = options.ingressController;
  if (controller === undefined) return targets;
  const tls = options.ingressTls;
  let caPem: string | undefined;
  if (tls?.mode === "stack-ca") {
    const secret = await core.readNamespacedSecret({ name: tlsSecretName(tls, app.service), namespace: ns });
    const encoded = secret.data?.[TLS_SECRET_KEYS.ca];
    if (encoded === undefined)
      throw new Error(`Secret ${ns}/${tlsSecretName(tls, app.service)} has no ca.crt`);
    caPem = Buffer.from(encoded, "base64").toString("utf8");
  }
  targets.ingress = {
    name: "ingress",
    baseUrl: outputs.appUrl,
    dialAddress: await clusterIp(core, controller.namespace, controller.name),
    dialPort: controller.port,
    caPem,
  };
  return targets;
}
