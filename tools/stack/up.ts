import {
  announceSqlTier,
  defaultStateDir,
  devPassphrase,
  HARNESS,
  localStackFromArgs,
  policyOptions,
  prepareLocalStack,
} from "./dev-stack.ts";

// `npm run up [-- --stack ha]` (after tools/stack/up.sh has the toolchain, the cluster and the images
// ready): the stack with the policy pack, then its outputs and how to reach each part from this machine
// (loopback and the cluster's own addresses only).

const stack = localStackFromArgs(process.argv.slice(2));
const dir = defaultStateDir(stack);
const { workspace, sqlTier, ingress } = await prepareLocalStack(stack, {
  dir,
  passphrase: devPassphrase(dir),
  sqlTier: process.env.VSEKAI_SQL_TIER === "cockroachdb" ? "cockroachdb" : undefined,
});
console.log(`\n==> ${announceSqlTier(sqlTier)}\n`);
const started = Date.now();
const result = await workspace.stack.up({
  ...policyOptions(HARNESS[stack].packConfig),
  onOutput: (text) => process.stdout.write(text),
});
const outputs = result.outputs;
const plain = (key: string) => String(outputs[key]?.value ?? "");
const namespace = plain("namespace");
console.log(`\n==> ${stack} stack is up (${Math.round((Date.now() - started) / 1000)}s); state in ${dir}`);
console.log(`app:  ${plain("appUrl")}`);
console.log(`SQL:  ${plain("sqlHost")}:${plain("sqlPort")}  (${sqlTier})`);
console.log(`S3:   ${plain("s3Endpoint")}  bucket ${plain("s3Bucket")}`);
console.log(`\nFrom this machine (loopback only):`);
console.log(`  kubectl -n ${namespace} port-forward --address 127.0.0.1 svc/vsekai-uro 4000:4000 4001:4001`);
console.log(`  kubectl -n ${namespace} port-forward --address 127.0.0.1 svc/vsekai-seaweedfs-s3 8333:8333`);
if (ingress !== undefined) {
  const host = new URL(plain("appUrl")).hostname;
  console.log(
    `Ingress: Traefik in ${ingress.namespace} at ${ingress.clusterIp}:${ingress.httpsPort}, the stack's CA in`,
  );
  console.log(
    `  kubectl -n ${namespace} get secret vsekai-uro-tls -o jsonpath='{.data.ca\\.crt}' | base64 -d > ca.crt`,
  );
  console.log(`  curl --cacert ca.crt --resolve ${host}:443:${ingress.clusterIp} https://${host}/health`);
}
console.log(
  `Credentials: PULUMI_BACKEND_URL=file://${dir}/state PULUMI_CONFIG_PASSPHRASE_FILE=${dir}/passphrase ` +
    `pulumi -C ${workspace.projectDir} stack output --show-secrets`,
);
