import { describe, expect, it } from "vitest";
import { plaintextSecretProblems, readRawConfig } from "../../../components/config/load.ts";

describe("readRawConfig", () => {
  it("keeps only this project's keys and parses objects, numbers and booleans", () => {
    const { raw, problems } = readRawConfig({
      "vsekai-infra:environment": "dev",
      "vsekai-infra:cockroach": '{"nodes":3,"tls":true}',
      "vsekai-infra:clusterDomain": "cluster.local",
      // As `pulumi config set --path 'confirmChanges[0]' seaweedfs.masters` stores it.
      "vsekai-infra:confirmChanges": '["seaweedfs.masters"]',
      "kubernetes:context": "kind",
    });
    expect(problems).toEqual([]);
    expect(raw).toEqual({
      environment: "dev",
      cockroach: { nodes: 3, tls: true },
      clusterDomain: "cluster.local",
      confirmChanges: ["seaweedfs.masters"],
    });
  });
  it("reports a structured key that is not an object", () => {
    const { problems } = readRawConfig({ "vsekai-infra:app": "uro" });
    expect(problems).toEqual([
      { key: "vsekai-infra:app", message: "is not an object; set it as YAML under the key, or with --path" },
    ]);
  });
});

describe("plaintextSecretProblems", () => {
  it("refuses secret settings that were stored in plain text", () => {
    const raw = { databaseUrl: "postgres://u:p@h/db", appSecretEnv: { A: "b" } };
    const isSecret = (key: string) => key === "vsekai-infra:appSecretEnv";
    expect(plaintextSecretProblems(raw, isSecret)).toEqual([
      {
        key: "vsekai-infra:databaseUrl",
        message:
          "is stored in plain text; remove it and set it again with `pulumi config set --secret databaseUrl …`",
      },
    ]);
  });
  it("accepts them when encrypted", () => {
    expect(plaintextSecretProblems({ databaseUrl: "postgres://u:p@h/db" }, () => true)).toEqual([]);
  });
});
