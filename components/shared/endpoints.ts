import type * as pulumi from "@pulumi/pulumi";

// The contracts between systems. A system exports what others need to reach it (endpoints) and who it
// talks to (flows); the networking component turns the flows into NetworkPolicies, so the allow list is
// derived from the same facts that configure the connections and cannot drift from them.

/** A set of pods, by the labels NetworkPolicies select on. */
export interface Peer {
  /** Short, unique, used in policy names, e.g. "cockroachdb" or "seaweedfs-master". */
  name: string;
  selector: Record<string, string>;
}

/** Something outside the namespace reached on a port, e.g. an external SQL endpoint. */
export interface ExternalPeer {
  name: string;
  external: true;
  /** Destination address ranges; empty means any (the port is the only restriction). */
  cidrs: string[];
}

/** `from` may open TCP connections to `to` on `ports`. */
export interface Flow {
  from: Peer;
  to: Peer | ExternalPeer;
  ports: number[];
  /** Why this connection exists; becomes an annotation on the policy, for whoever audits it. */
  reason: string;
}

/** How the SeaweedFS filer connects to its SQL metadata store (the postgres2 store's settings). */
export interface SqlConnection {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  sslmode: "disable" | "require" | "verify-ca" | "verify-full";
}

export interface SqlEndpoint {
  /** Host clients connect to, for stack outputs. */
  host: pulumi.Output<string>;
  port: number;
  /** The app's DATABASE_URL (secret). */
  appUrl: pulumi.Output<string>;
  /** The filer's connection (secret). */
  filerConnection: pulumi.Output<SqlConnection>;
  /** A Secret holding `ca.crt`, when clients must verify the server's certificate. */
  caSecretName?: pulumi.Output<string>;
  /** Where the database lives, for NetworkPolicies: pods in this namespace, or something external. */
  peer: Peer | ExternalPeer;
  /** What must exist before a client may connect (cluster init, users and databases provisioned). */
  ready: pulumi.Resource[];
}

/** Keys of the Secret named by S3Endpoint.credentialsSecretName: what the S3 side writes and the app reads. */
export const S3_ACCESS_KEY_ID_KEY = "AWS_ACCESS_KEY_ID";
export const S3_SECRET_ACCESS_KEY_KEY = "AWS_SECRET_ACCESS_KEY";

export interface S3Endpoint {
  /** e.g. http://vsekai-seaweedfs-s3.<ns>.svc.cluster.local:8333 */
  url: pulumi.Output<string>;
  port: number;
  bucket: string;
  region: string;
  /** A Secret with keys AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for the app's identity. */
  credentialsSecretName: pulumi.Output<string>;
  accessKeyId: pulumi.Output<string>;
  secretAccessKey: pulumi.Output<string>;
  peer: Peer;
  /** What must exist before S3 serves the bucket (gateways up, bucket made, credentials written). */
  ready: pulumi.Resource[];
  /** What a client's pod references (the credentials Secret): enough to start a client that retries. */
  secrets: pulumi.Resource[];
}
