import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import * as serializeClosure from "@pulumi/pulumi/runtime/closure/serializeClosure.js";
import { describe, expect, it } from "vitest";
import {
  authorityProvider,
  certificateProvider,
  generatedSecretProvider,
} from "../../../components/secrets/providers.ts";

type Serializer = { serializeFunction: (f: () => unknown, o: object) => Promise<{ text: string }> };

/**
 * Serializes a provider exactly as `pulumi.dynamic.Resource` does and runs `create` in a separate plain
 * Node process (CommonJS, no TypeScript loader), which is what the engine's dynamic-provider host does.
 */
async function createInFreshHost(provider: object, inputs: object): Promise<Record<string, unknown>> {
  const { text } = await (serializeClosure as unknown as Serializer).serializeFunction(() => provider, {
    allowSecrets: true,
  });
  const dir = mkdtempSync(join(process.cwd(), "node_modules", ".vsekai-host-"));
  try {
    writeFileSync(join(dir, "provider.cjs"), text);
    const script = `require("./provider.cjs").handler().create(${JSON.stringify(inputs)}).then(r => process.stdout.write(JSON.stringify(r.outs)))`;
    const stdout = execFileSync(process.execPath, ["-e", script], { cwd: dir, encoding: "utf8" });
    return JSON.parse(stdout) as Record<string, unknown>;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("dynamic providers run in the engine's host", () => {
  it("generates a secret", async () => {
    const outs = await createInFreshHost(generatedSecretProvider, { length: 48, alphabet: "hex" });
    expect(outs.value).toMatch(/^[0-9a-f]{48}$/);
  });
  it("makes a CA and signs a certificate with it", async () => {
    const ca = await createInFreshHost(authorityProvider, {
      commonName: "ca",
      validityDays: 10,
      renewBeforeDays: 2,
    });
    expect(ca.certPem).toMatch(/^-----BEGIN CERTIFICATE-----/);
    const cert = await createInFreshHost(certificateProvider, {
      caCertPem: ca.certPem,
      caKeyPem: ca.keyPem,
      commonName: "node",
      dnsNames: ["a.example"],
      ipAddresses: [],
      usages: ["server"],
      validityDays: 5,
      renewBeforeDays: 1,
    });
    expect(cert.certPem).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(cert).not.toHaveProperty("caKeyPem");
  });
});

function diffOf<T>(
  provider: pulumi.dynamic.ResourceProvider<T>,
): NonNullable<pulumi.dynamic.ResourceProvider<T>["diff"]> {
  if (!provider.diff) throw new Error("provider has no diff");
  return provider.diff.bind(provider);
}

describe("diff keeps generated values stable", () => {
  const farFuture = new Date(Date.now() + 400 * 86_400_000).toISOString();
  const soon = new Date(Date.now() + 5 * 86_400_000).toISOString();

  it("does not touch a secret whose inputs are unchanged", async () => {
    const d = await diffOf(generatedSecretProvider)(
      "id",
      { length: 32, alphabet: "hex" },
      { length: 32, alphabet: "hex" },
    );
    expect(d).toEqual({ changes: false, replaces: [] });
  });
  it("replaces a secret when its length changes", async () => {
    const d = await diffOf(generatedSecretProvider)(
      "id",
      { length: 32, alphabet: "hex" },
      { length: 64, alphabet: "hex" },
    );
    expect(d.replaces).toEqual(["length"]);
  });
  it("replaces a CA inside its renewal window, and only then", async () => {
    const inputs = { commonName: "ca", validityDays: 3650, renewBeforeDays: 30 };
    expect(
      (await diffOf(authorityProvider)("id", { ...inputs, notAfter: farFuture }, inputs)).replaces,
    ).toEqual([]);
    expect((await diffOf(authorityProvider)("id", { ...inputs, notAfter: soon }, inputs)).replaces).toEqual([
      "notAfter",
    ]);
  });
  it("updates in place when only the renewal window changes", async () => {
    const olds = { commonName: "ca", validityDays: 3650, renewBeforeDays: 30, notAfter: farFuture };
    const d = await diffOf(authorityProvider)("id", olds, {
      commonName: "ca",
      validityDays: 3650,
      renewBeforeDays: 45,
    });
    expect(d).toEqual({ changes: true, replaces: [] });
  });
  it("replaces a certificate when its CA or names change", async () => {
    const base = {
      caCertPem: "A",
      commonName: "node",
      dnsNames: ["x"],
      ipAddresses: [],
      usages: ["server" as const],
      validityDays: 5,
      renewBeforeDays: 1,
    };
    const olds = { ...base, notAfter: farFuture };
    expect((await diffOf(certificateProvider)("id", olds, { ...base, caKeyPem: "k" })).replaces).toEqual([]);
    expect(
      (await diffOf(certificateProvider)("id", olds, { ...base, caKeyPem: "k", caCertPem: "B" })).replaces,
    ).toEqual(["caCertPem"]);
    expect(
      (await diffOf(certificateProvider)("id", olds, { ...base, caKeyPem: "k", dnsNames: ["x", "y"] }))
        .replaces,
    ).toEqual(["dnsNames"]);
  });
});
