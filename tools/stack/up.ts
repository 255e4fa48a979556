import {
  announceSqlTier,
  defaultStateDir,
  devPassphrase,
  policyOptions,
  prepareDevStack,
} from "./dev-stack.ts";

// `npm run up` (after tools/stack/up.sh has the toolchain, the cluster and the images ready): the dev stack
// with the policy pack, then its outputs and how to reach each part from this machine (loopback only).

const dir = defaultStateDir();
const { workspace, sqlTier } = await prepareDevStack({
  dir,
  passphrase: devPassphrase(dir),
  sqlTier: process.env.VSEKAI_SQL_TIER === "cockroachdb" ? "cockroachdb" : undefined,
});
console.log(`\n==> ${announceSqlTier(sqlTier)}\n`);
const started = Date.now();
const result = await workspace.stack.up({
  ...policyOptions("dev"),
  onOutput: (text) => process.stdout.write(text),
});
const outputs = result.outputs;
const plain = (key: string) => String(outputs[key]?.value ?? "");
const namespace = plain("namespace");
console.log(`\n==> dev stack is up (${Math.round((Date.now() - started) / 1000)}s); state in ${dir}`);
console.log(`app:  ${plain("appUrl")}`);
console.log(`SQL:  ${plain("sqlHost")}:${plain("sqlPort")}  (${sqlTier})`);
console.log(`S3:   ${plain("s3Endpoint")}  bucket ${plain("s3Bucket")}`);
console.log(`\nFrom this machine (loopback only):`);
console.log(`  kubectl -n ${namespace} port-forward --address 127.0.0.1 svc/vsekai-uro 4000:4000 4001:4001`);
console.log(`  kubectl -n ${namespace} port-forward --address 127.0.0.1 svc/vsekai-seaweedfs-s3 8333:8333`);
console.log(
  `Credentials: PULUMI_BACKEND_URL=file://${dir}/state PULUMI_CONFIG_PASSPHRASE_FILE=${dir}/passphrase ` +
    `pulumi -C ${workspace.projectDir} stack output --show-secrets`,
);
