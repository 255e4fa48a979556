import { describe, expect, it } from "vitest";
import { resourceMessages } from "../testing.ts";
import { appDeployment, cockroachInitJob, firstContainer, modified, TYPES } from "./fixtures.ts";
import { rule, type Props } from "./helpers.ts";

const withEnv = (env: Props) =>
  modified(appDeployment(), (p) => (firstContainer(p).env as Props[]).push(env));
const configMap = (data: Record<string, string>) => ({
  type: TYPES.configMap,
  name: "settings",
  props: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "settings" }, data },
});

describe("no-plaintext-secrets", () => {
  it("passes env from secretKeyRef and ordinary plain values", async () => {
    expect(await resourceMessages(rule("no-plaintext-secrets"), appDeployment())).toEqual([]);
    expect(await resourceMessages(rule("no-plaintext-secrets"), cockroachInitJob())).toEqual([]);
    expect(await resourceMessages(rule("no-plaintext-secrets"), configMap({ LOG_LEVEL: "info" }))).toEqual(
      [],
    );
  });

  it("fires on a secret-looking name with a plain value", async () => {
    expect(
      await resourceMessages(
        rule("no-plaintext-secrets"),
        withEnv({ name: "SENDGRID_API_KEY", value: "SG.x" }),
      ),
    ).toEqual([
      'container "uro" sets env SENDGRID_API_KEY (a secret-looking name) in plain text; use a secretKeyRef',
    ]);
  });

  it("fires on a URL with a password, whatever the name", async () => {
    const env = { name: "UPSTREAM", value: "postgresql://uro:hunter2@db:26257/uro" };
    expect(await resourceMessages(rule("no-plaintext-secrets"), withEnv(env))).toEqual([
      'container "uro" sets env UPSTREAM (a URL with a password) in plain text; use a secretKeyRef',
    ]);
  });

  it("fires on ConfigMap data", async () => {
    expect(
      await resourceMessages(
        rule("no-plaintext-secrets"),
        configMap({ JOKEN_SIGNER: "abc", URL: "https://a:b@c" }),
      ),
    ).toEqual([
      "ConfigMap key JOKEN_SIGNER (a secret-looking name) holds a credential; put it in a Secret",
      "ConfigMap key URL (a URL with a password) holds a credential; put it in a Secret",
    ]);
  });
});
