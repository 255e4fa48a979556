import { WEED_BINARY } from "./args.ts";
import { bucketNameProblem } from "../config/bucket-name.ts";

// The app's bucket is made by a Job, not left to the gateway: the app's identity is scoped to its bucket
// and has no right to create buckets (Admin), and whether a gateway creates a bucket on first upload
// depends on its release and flags. A Job that Pulumi awaits also makes "S3 is ready" mean "the bucket
// exists", and it talks to the filer directly, so it needs no S3 credentials at all.

export interface BucketJobOptions {
  bucket: string;
  masters: string[];
  /** A filer as host:port; `weed shell` talks to it over gRPC. */
  filer: string;
  /** How many rounds to try, two seconds apart; the Job's deadline bounds the whole. */
  attempts: number;
  /** Seconds one `weed shell` run may take before it is cut off (it waits for masters otherwise). */
  shellTimeoutSeconds: number;
}

/**
 * Creates the bucket and then checks, by listing, that it exists: the list is the proof, because
 * `weed shell` exits 0 whatever its commands did, and `s3.bucket.create` on an existing bucket either
 * succeeds or complains depending on the release. So the script is idempotent: on later runs the bucket
 * is already listed and the Job succeeds. Until masters and filers answer, rounds fail and are retried.
 */
export function bucketJobScript(o: BucketJobOptions): string {
  const problem = bucketNameProblem(o.bucket);
  if (problem) throw new Error(`seaweedfs.bucket: ${problem}`);
  if (o.masters.length === 0) throw new Error("the bucket Job needs the master list");
  const shell = `timeout ${o.shellTimeoutSeconds} ${WEED_BINARY} shell -master=${o.masters.join(",")} -filer=${o.filer}`;
  return [
    "set -u",
    `bucket=${o.bucket}`,
    "attempt=0",
    "while :; do",
    `  created=$(echo "s3.bucket.create -name $bucket" | ${shell} 2>&1)`,
    `  if echo "s3.bucket.list" | ${shell} 2>/dev/null | awk -v b="$bucket" '$1 == b { found = 1 } END { exit !found }'; then`,
    '    echo "bucket $bucket exists"',
    "    exit 0",
    "  fi",
    "  attempt=$((attempt + 1))",
    `  if [ "$attempt" -ge ${o.attempts} ]; then`,
    '    echo "bucket $bucket could not be created: $created" >&2',
    "    exit 1",
    "  fi",
    "  sleep 2",
    "done",
  ].join("\n");
}
