import { describe, expect, it } from "vitest";
import {
  connectionUrl,
  sqlConnection,
  type ClientLogin,
} from "../../../components/cockroachdb/connection.ts";

const login: ClientLogin = {
  host: "vsekai-cockroachdb-public.ns.svc.cluster.local",
  port: 26257,
  user: "uro",
  password: "p@ss/w:rd",
  database: "uro",
  tls: true,
};

describe("connectionUrl", () => {
  it("verifies the server and URL-encodes the password with TLS", () => {
    expect(connectionUrl(login)).toBe(
      "postgresql://uro:p%40ss%2Fw%3Ard@vsekai-cockroachdb-public.ns.svc.cluster.local:26257/uro?sslmode=verify-full",
    );
  });

  it("has no password and disables TLS on an insecure cluster", () => {
    expect(connectionUrl({ ...login, tls: false })).toBe(
      "postgresql://uro@vsekai-cockroachdb-public.ns.svc.cluster.local:26257/uro?sslmode=disable",
    );
  });
});

describe("sqlConnection", () => {
  it("carries the same login for the filer", () => {
    expect(sqlConnection(login)).toEqual({
      host: login.host,
      port: 26257,
      user: "uro",
      password: "p@ss/w:rd",
      database: "uro",
      sslmode: "verify-full",
    });
    expect(sqlConnection({ ...login, tls: false })).toMatchObject({ password: "", sslmode: "disable" });
  });
});
