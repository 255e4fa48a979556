import { describe, expect, it } from "vitest";
import {
  connectionUrl,
  sqlConnection,
  type ClientLogin,
} from "../../../components/cockroachdb/connection.ts";
import { scaleDownProblem } from "../../../components/cockroachdb/scaling.ts";

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

describe("scaleDownProblem", () => {
  it("accepts a first deployment, growth and no change", () => {
    expect(scaleDownProblem(undefined, 3, false)).toBeUndefined();
    expect(scaleDownProblem(3, 5, false)).toBeUndefined();
    expect(scaleDownProblem(3, 3, false)).toBeUndefined();
  });

  it("refuses a decrease until decommissioning is confirmed, naming the pods to decommission", () => {
    expect(scaleDownProblem(5, 3, false)).toMatch(/cockroach node decommission.*pods 3, 4/);
    expect(scaleDownProblem(5, 3, true)).toBeUndefined();
  });

  it("refuses going below three nodes from three or more, confirmed or not", () => {
    expect(scaleDownProblem(3, 1, true)).toMatch(/below 3 nodes/);
  });

  it("lets a small dev cluster shrink once confirmed", () => {
    expect(scaleDownProblem(2, 1, false)).toMatch(/pods 1/);
    expect(scaleDownProblem(2, 1, true)).toBeUndefined();
  });
});
