import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import yaml from "js-yaml";
import { afterEach, describe, expect, it } from "vitest";
import type { EngineEvent } from "@pulumi/pulumi/automation/index.js";
import { REPO, stackWorkspace, type StackWorkspace } from "../../tools/stack/workspace.ts";

// The real engine (pulumi CLI, Node.js language host, Kubernetes provider from tools/toolchain) on the
// committed stacks, with the real policy pack: what CI runs on every pull request. No cluster is needed:
// a preview with no reachable cluster plans every object as a create.

const PASSPHRASE = "vsekai-engine-tests";
const open: StackWorkspace[] = [];

async function workspace(
  stackName: string,
  config: Record<string, string> = {},
  program?: string,
): Promise<StackWorkspace> {
  const ws = await stackWorkspace({
    stackName,
    passphrase: PASSPHRASE,
    program,
    config: Object.fromEntries(Object.entries(config).map(([k, value]) => [k, { value }])),
  });
  open.push(ws);
  return ws;
}

function policyOptions(environment: string) {
  return {
    policyPacks: [join(REPO, "policies")],
    policyPackConfigs: [join(REPO, "policies", `${environment}.json`)],
  };
}

/** Runs an engine command expected to fail and returns everything it printed. */
async function failure(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (error) {
    return String(error);
  }
  throw new Error("expected the engine to fail");
}

afterEach(() => {
  for (const ws of open.splice(0)) ws.cleanup();
});

describe.each(["staging", "prod"])("pulumi preview of %s with the policy pack", (stack) => {
  it("plans the whole stack with no mandatory violation", async () => {
    const ws = await workspace(stack);
    const result = await ws.stack.preview(policyOptions(stack));
    const creates = result.changeSummary.create ?? 0;
    // Every component: namespace, SQL tier, SeaweedFS, app and policies are well over 60 objects.
    expect(creates).toBeGreaterThan(60);
    expect(result.stdout).not.toMatch(/mandatory/);
    expect(result.stdout).toMatch(/Policies:/);
  });
});

describe("a non-compliant prod stack", () => {
  it("is refused by the policy pack, naming each broken rule", async () => {
    const ws = await workspace("prod", { cockroach: JSON.stringify({ nodes: 1, tls: false }) });
    const printed = await failure(() => ws.stack.preview(policyOptions("prod")));
    expect(printed).toMatch(/\[mandatory\]\s+cockroachdb-min-nodes/);
    expect(printed).toContain(
      'CockroachDB StatefulSet "vsekai-cockroachdb" runs 1 node; prod needs at least 3',
    );
    expect(printed).toMatch(/\[mandatory\]\s+cockroachdb-insecure/);
    expect(printed).toContain("runs cockroach start with --insecure, not allowed in prod");
  });

  it("is refused when a hand-written program breaks the pod rules", async () => {
    const program = [
      'import * as k8s from "@pulumi/kubernetes";',
      'new k8s.apps.v1.Deployment("careless", {',
      '  metadata: { name: "careless", namespace: "default" },',
      "  spec: {",
      '    selector: { matchLabels: { app: "careless" } },',
      '    template: { metadata: { labels: { app: "careless" } }, spec: { containers: [',
      '      { name: "web", image: "nginx:latest", securityContext: { privileged: true } },',
      "    ] } },",
      "  },",
      "});",
    ].join("\n");
    const ws = await workspace("prod", {}, program);
    const printed = await failure(() => ws.stack.preview(policyOptions("prod")));
    for (const rule of [
      "image-pinned-tag",
      "container-not-privileged",
      "container-resources",
      "container-probes",
    ]) {
      expect(printed).toMatch(new RegExp(`\\[mandatory\\]\\s+${rule}`));
    }
  });
});

describe("bad config through the real engine", () => {
  it("fails before any resource exists, with the key, the value and what is allowed", async () => {
    const ws = await workspace("prod", { cockroach: JSON.stringify({ nodes: 2 }) });
    const printed = await failure(() => ws.stack.up());
    expect(printed).toContain(
      "vsekai-infra:cockroach.nodes: 2 is not allowed: with two nodes the loss of either stops every range",
    );
    const state = await ws.stack.exportStack();
    const resources = (state.deployment as { resources?: unknown[] }).resources ?? [];
    expect(resources.filter((r) => (r as { type: string }).type.startsWith("kubernetes:"))).toEqual([]);
  });

  it("prints every problem as a list, and no JavaScript stack trace", async () => {
    const cockroach = { nodes: 2, resources: { cpu: "2", cpuLimit: "500m" } };
    const ws = await workspace("prod", { cockroach: JSON.stringify(cockroach) });
    const printed = await failure(() => ws.stack.up());
    expect(printed).toContain("invalid stack configuration (nothing was created or changed):");
    expect(printed).toContain("  - vsekai-infra:cockroach.nodes: 2 is not allowed: with two nodes");
    expect(printed).toContain(
      '  - vsekai-infra:cockroach.resources.cpuLimit: "500m" is not allowed: below cockroach.resources.cpu ("2"), and Kubernetes refuses a container whose CPU limit is below its request',
    );
    // No frames ("    at resolveStackConfig (…/resolve.ts:420:11)"), no source locations, no crash banner.
    expect(printed).not.toMatch(/^\s+at /m);
    expect(printed).not.toMatch(/\.[cm]?[jt]s:\d+/);
    expect(printed).not.toContain("unhandled exception");
    const state = await ws.stack.exportStack();
    const resources = (state.deployment as { resources?: { type: string }[] }).resources ?? [];
    expect(resources.filter((r) => r.type.startsWith("kubernetes:"))).toEqual([]);
  });
});

describe("rendering manifests instead of applying them", () => {
  it("writes parseable YAML for every component", async () => {
    const ws = await workspace("staging");
    const dir = join(ws.dir, "rendered");
    await ws.stack.setConfig("vsekai-infra:renderYamlTo", { value: dir });
    // `pulumi config set --path` stores these as a number and a boolean; the app gets their text.
    await ws.stack.setConfig("vsekai-infra:app.env.FEATURE_X", { value: "1" }, true);
    await ws.stack.setConfig("vsekai-infra:app.env.SIGNUPS_OPEN", { value: "true" }, true);
    await ws.stack.up();
    const files = readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".yaml"));
    const objects = files.flatMap((f) =>
      yaml
        .loadAll(readFileSync(join(dir, f), "utf8"))
        .map((o) => o as { kind: string; metadata: { name: string } }),
    );
    const names = objects.map((o) => `${o.kind}/${o.metadata.name}`);
    for (const expected of [
      "Namespace/vsekai-staging",
      "StatefulSet/vsekai-cockroachdb",
      "StatefulSet/vsekai-seaweedfs-master",
      "StatefulSet/vsekai-seaweedfs-volume",
      "Deployment/vsekai-seaweedfs-filer",
      "Deployment/vsekai-seaweedfs-s3",
      "Deployment/vsekai-uro",
      "Job/vsekai-cockroachdb-init",
    ]) {
      expect(names).toContain(expected);
    }
    expect(objects.filter((o) => o.kind === "NetworkPolicy").length).toBeGreaterThan(5);
    const stored = await ws.stack.getConfig("vsekai-infra:app");
    expect(JSON.parse(stored.value)).toMatchObject({ env: { FEATURE_X: 1, SIGNUPS_OPEN: true } });
    const app = objects.find(
      (o) => o.kind === "Deployment" && o.metadata.name === "vsekai-uro",
    ) as unknown as {
      spec: { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } };
    };
    const env = app.spec.template.spec.containers[0]?.env ?? [];
    expect(env.filter((e) => e.name === "FEATURE_X" || e.name === "SIGNUPS_OPEN")).toEqual([
      { name: "FEATURE_X", value: "1" },
      { name: "SIGNUPS_OPEN", value: "true" },
    ]);
  });
});

describe("changes a running stack refuses before anything is touched (the shape guard)", () => {
  it("refuses fewer masters and a resized claim in preview, and lets a confirmed master removal through", async () => {
    const ws = await workspace("staging");
    await ws.stack.setConfig("vsekai-infra:renderYamlTo", { value: join(ws.dir, "rendered") });
    await ws.stack.up();
    // Each resource as the state holds it (in any order), less the time the engine last wrote it. Not
    // the providers: the engine records the new config as the dynamic-provider host's inputs at once.
    const resourcesIn = async () => {
      const deployment = (await ws.stack.exportStack()).deployment as { resources?: { type: string }[] };
      return (deployment.resources ?? [])
        .filter((r) => !r.type.startsWith("pulumi:providers:"))
        .map((r) => JSON.stringify({ ...r, modified: undefined }))
        .sort();
    };
    const accepted = await resourcesIn();

    await ws.stack.setConfig("vsekai-infra:seaweedfs.masters", { value: "1" }, true);
    await ws.stack.setConfig("vsekai-infra:seaweedfs.volumeStorage.size", { value: "40Gi" }, true);
    const printed = await failure(() => ws.stack.preview());
    expect(printed).toContain(
      "seaweedfs.masters: lowered from 3 to 1 on a running stack; refused, nothing was changed.",
    );
    expect(printed).toMatch(
      /seaweedfs\.volumeStorage: the claim size changed from \S+ to 40Gi on a running stack/,
    );
    // `up` (which previews first) refuses the same way and leaves the state as it was.
    expect(await failure(() => ws.stack.up())).toContain("seaweedfs.masters: lowered from 3 to 1");
    expect(await resourcesIn()).toEqual(accepted);

    await ws.stack.removeConfig("vsekai-infra:seaweedfs.volumeStorage.size", true);
    await ws.stack.setConfig("vsekai-infra:confirmChanges[0]", { value: "seaweedfs.masters" }, true);
    const replaced: string[] = [];
    const confirmed = await ws.stack.preview({
      onEvent: (event) => {
        const step = event.resourcePreEvent?.metadata;
        if (
          step !== undefined &&
          ["replace", "delete", "create-replacement", "delete-replaced"].includes(step.op)
        ) {
          replaced.push(`${step.op} ${step.type}`);
        }
      },
    });
    console.log(
      `confirmed master removal: ${JSON.stringify(confirmed.changeSummary)}; ${replaced.join(", ")}`,
    );
    // Jobs whose script names the masters are replaced (a Job's spec cannot change); nothing that holds data.
    expect(replaced.filter((r) => !r.endsWith("kubernetes:batch/v1:Job"))).toEqual([]);
    expect(confirmed.changeSummary.update ?? 0).toBeGreaterThan(0);
  });

  it("rotates the app's S3 keys one generation at a time, and refuses a jump or a rotation that retires the keys in use", async () => {
    const ws = await workspace("staging");
    await ws.stack.setConfig("vsekai-infra:renderYamlTo", { value: join(ws.dir, "rendered") });
    await ws.stack.up();
    const keyId = async () => (await ws.stack.outputs()).s3AccessKeyId?.value as string;
    const before = await keyId();

    await ws.stack.setConfig("vsekai-infra:seaweedfs.s3KeyGeneration", { value: "2" }, true);
    expect(await failure(() => ws.stack.preview())).toContain(
      "seaweedfs.s3KeyGeneration: changed from 0 to 2 on a running stack; refused, nothing was changed. Raise it by one per update",
    );
    await ws.stack.setConfig("vsekai-infra:seaweedfs.s3KeyGeneration", { value: "1" }, true);
    await ws.stack.setConfig("vsekai-infra:seaweedfs.s3RetirePreviousKeys", { value: "true" }, true);
    expect(await failure(() => ws.stack.up())).toContain(
      "seaweedfs.s3KeyGeneration: changed from 0 to 1 on a running stack; refused, nothing was changed. seaweedfs.s3RetirePreviousKeys is true",
    );
    expect(await keyId()).toBe(before);
    // Not even the new keys were made: they wait on the guard, which refused.
    const urns = JSON.stringify((await ws.stack.exportStack()).deployment);
    expect(urns).not.toContain("seaweedfs-s3-access-key-g1");

    await ws.stack.setConfig("vsekai-infra:seaweedfs.s3RetirePreviousKeys", { value: "false" }, true);
    const ops: string[] = [];
    const rotated = await ws.stack.up({
      onEvent: (event) => {
        const step = event.resourcePreEvent?.metadata;
        if (step !== undefined && step.op !== "same")
          ops.push(`${step.op} ${step.type} ${step.urn.split("::").pop()}`);
      },
    });
    console.log(`rotation: ${JSON.stringify(rotated.summary.resourceChanges)}; ${ops.join(", ")}`);
    expect(await keyId()).not.toBe(before);
    // New keys made; the identities, the app's Secret and Deployment updated, the gateways left running
    // (they reload the file) and a keys Job between them; nothing replaced or deleted.
    expect(ops).toContain("create pulumi-nodejs:dynamic/vsekai:GeneratedSecret seaweedfs-s3-access-key-g1");
    expect(ops).toContain("create kubernetes:batch/v1:Job seaweedfs-s3-keys");
    expect(ops).not.toContain("update kubernetes:apps/v1:Deployment seaweedfs-s3");
    expect(ops.filter((o) => /^(replace|delete|create-replacement|delete-replaced) /.test(o))).toEqual([]);
    expect(
      ops.some((o) => o.startsWith("update kubernetes:apps/v1:Deployment") && o.endsWith("-server")),
    ).toBe(true);

    await ws.stack.setConfig("vsekai-infra:seaweedfs.s3RetirePreviousKeys", { value: "true" }, true);
    const retired = await ws.stack.up();
    // Generation 0's keys go; the app keeps its keys; the file changes and gets a keys Job of its own.
    expect(retired.summary.resourceChanges?.delete).toBe(2);
    expect(retired.summary.resourceChanges?.replace).toBe(1);
    const idle = await ws.stack.preview({ expectNoChanges: true });
    expect(idle.changeSummary).not.toHaveProperty("update");
  });

  it("rotates the app's CockroachDB login one generation at a time: the init Job makes the login before the app's Secret names it", async () => {
    const ws = await workspace("staging");
    const rendered = join(ws.dir, "rendered");
    await ws.stack.setConfig("vsekai-infra:renderYamlTo", { value: rendered });
    await ws.stack.up();
    const loginOf = async () => {
      const url = (await ws.stack.outputs()).databaseUrl?.value as string;
      return decodeURIComponent(new URL(url).username);
    };
    expect(await loginOf()).toBe("uro");

    await ws.stack.setConfig("vsekai-infra:cockroach.appLoginGeneration", { value: "2" }, true);
    expect(await failure(() => ws.stack.preview())).toContain(
      "cockroach.appLoginGeneration: changed from 0 to 2 on a running stack; refused, nothing was changed. Raise it by one per update",
    );
    await ws.stack.setConfig("vsekai-infra:cockroach.appLoginGeneration", { value: "1" }, true);
    await ws.stack.setConfig("vsekai-infra:cockroach.retirePreviousAppLogins", { value: "true" }, true);
    expect(await failure(() => ws.stack.up())).toContain(
      "cockroach.appLoginGeneration: changed from 0 to 1 on a running stack; refused, nothing was changed. cockroach.retirePreviousAppLogins is true",
    );
    expect(await loginOf()).toBe("uro");
    expect(JSON.stringify((await ws.stack.exportStack()).deployment)).not.toContain("app-login-password-g1");

    await ws.stack.setConfig("vsekai-infra:cockroach.retirePreviousAppLogins", { value: "false" }, true);
    // Each step as it starts (pre) and as it finishes (done), in the engine's order.
    const steps: string[] = [];
    const record = (event: EngineEvent) => {
      const pre = event.resourcePreEvent?.metadata;
      const done = event.resOutputsEvent?.metadata;
      const step = pre ?? done;
      if (step === undefined || step.op === "same") return;
      steps.push(`${pre ? "pre" : "done"} ${step.op} ${step.type} ${step.urn.split("::").pop()}`);
    };
    await ws.stack.up({ onEvent: record });
    console.log(`login rotation: ${steps.filter((s) => s.startsWith("pre")).join(", ")}`);
    expect(await loginOf()).toBe("uro_g1");
    const at = (step: string) => steps.indexOf(step);
    const made = at(
      "done create pulumi-nodejs:dynamic/vsekai:GeneratedSecret cockroachdb-app-login-password-g1",
    );
    const provisioned = steps.findIndex((s) =>
      /^done (create-replacement|replace) kubernetes:batch\/v1:Job cockroachdb-init$/.test(s),
    );
    const handedOver = at("pre update kubernetes:core/v1:Secret app-database");
    expect(made).toBeGreaterThanOrEqual(0);
    expect(provisioned).toBeGreaterThan(made);
    expect(handedOver).toBeGreaterThan(provisioned);
    expect(at("pre update kubernetes:apps/v1:Deployment app-server")).toBeGreaterThan(handedOver);
    // Only Jobs are replaced (their templates are immutable); nothing that holds data is touched.
    const replacedOrDeleted = steps.filter((s) =>
      /^pre (replace|delete|create-replacement|delete-replaced) /.test(s),
    );
    expect(replacedOrDeleted.filter((s) => !s.includes(" kubernetes:batch/v1:Job "))).toEqual([]);
    const initManifest = readdirSync(rendered, { recursive: true, encoding: "utf8" })
      .filter((f) => f.endsWith(".yaml"))
      .flatMap((f) => yaml.loadAll(readFileSync(join(rendered, f), "utf8")))
      .map((o) => JSON.stringify(o))
      .filter((o) => o.includes('"name":"vsekai-cockroachdb-init"') && o.includes('"kind":"Job"'))
      .join("\n");
    expect(initManifest).toContain(
      "CREATE USER IF NOT EXISTS uro_g1 WITH LOGIN PASSWORD '${APP_LOGIN_PASSWORD}';",
    );

    await ws.stack.setConfig("vsekai-infra:cockroach.retirePreviousAppLogins", { value: "true" }, true);
    steps.length = 0;
    await ws.stack.up({ onEvent: record });
    console.log(`login retirement: ${steps.filter((s) => s.startsWith("pre")).join(", ")}`);
    // The init Job runs again to stop the old login; the app keeps the login it has, and nothing is deleted.
    expect(await loginOf()).toBe("uro_g1");
    expect(
      steps.some((s) =>
        /^pre (replace|create-replacement) kubernetes:batch\/v1:Job cockroachdb-init$/.test(s),
      ),
    ).toBe(true);
    expect(
      steps.filter((s) => s.startsWith("pre update") && !/DataShapeGuard|pulumi:providers:/.test(s)),
    ).toEqual([]);
    expect(steps.filter((s) => /^pre delete /.test(s))).toEqual([]);
    const idle = await ws.stack.preview({ expectNoChanges: true });
    expect(idle.changeSummary).not.toHaveProperty("update");
  });
});
