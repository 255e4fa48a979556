import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { externalSqlEndpoint, parseSqlUrl } from "../../../components/stack/external-sql.ts";
import { valueOf } from "../harness.ts";

describe("parseSqlUrl", () => {
  it("splits a URL with an encoded password and an explicit sslmode", () => {
    expect(
      parseSqlUrl("postgres://filer:p%40ss%2Fw@db.internal:26257/seaweedfs?sslmode=verify-full"),
    ).toEqual({
      host: "db.internal",
      port: 26257,
      user: "filer",
      password: "p@ss/w",
      database: "seaweedfs",
      sslmode: "verify-full",
    });
  });
  it("defaults to port 5432 and sslmode require, and accepts ecto://", () => {
    expect(parseSqlUrl("ecto://u:p@h/db")).toMatchObject({ port: 5432, sslmode: "require", database: "db" });
  });
  it("refuses an sslmode the filer cannot use", () => {
    expect(() => parseSqlUrl("postgres://u:p@h/db?sslmode=prefer")).toThrow(
      "sslmode=prefer in a database URL is not supported; use one of disable, require, verify-ca, verify-full",
    );
  });
});

describe("externalSqlEndpoint", () => {
  it("opens egress to the IP when the URL names one, and keeps the URLs secret", async () => {
    const endpoint = externalSqlEndpoint({
      mode: "external",
      host: "10.0.0.5",
      port: 5432,
      appUrl: pulumi.secret("postgres://uro:pw@10.0.0.5:5432/uro"),
      filerUrl: pulumi.secret("postgres://fs:pw@10.0.0.5:5432/fs?sslmode=disable"),
    });
    expect(endpoint.peer).toEqual({ name: "external-sql", external: true, cidrs: ["10.0.0.5/32"] });
    expect(await pulumi.isSecret(endpoint.filerConnection)).toBe(true);
    expect(await valueOf(endpoint.filerConnection)).toMatchObject({
      user: "fs",
      database: "fs",
      sslmode: "disable",
    });
  });
  it("restricts only the port for a DNS name", () => {
    const endpoint = externalSqlEndpoint({
      mode: "external",
      host: "free-tier.cockroachlabs.cloud",
      port: 26257,
      appUrl: pulumi.secret("x"),
      filerUrl: pulumi.secret("postgres://a:b@free-tier.cockroachlabs.cloud:26257/f"),
    });
    expect(endpoint.peer).toEqual({ name: "external-sql", external: true, cidrs: [] });
    expect(endpoint.port).toBe(26257);
  });
});
