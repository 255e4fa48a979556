import * as crypto from "node:crypto";
import type { AddressInfo } from "node:net";
import * as tls from "node:tls";
import forge from "node-forge";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectionUrl } from "../../../components/cockroachdb/connection.ts";
import { filerToml } from "../../../components/seaweedfs/filer-config.ts";
import { createAuthority, issueCertificate } from "../../../components/secrets/x509.ts";
import { clientConfig, loginFromFilerToml, loginFromUrl } from "../../integration/sql-access.ts";

// The integration suite reaches SQL from the host by cluster IP while checking the server certificate
// against the Service name the stack issued it for. Nothing of that can be tried against CockroachDB here
// (no image), so the pieces are checked against what the stack writes and against a real TLS handshake.

const SERVICE_HOST = "vsekai-cockroachdb-public.vsekai-dev.svc.cluster.local";

describe("logins as the stack hands them out", () => {
  it("reads the app's URL back as the stack wrote it", () => {
    const url = connectionUrl({
      host: SERVICE_HOST,
      port: 26257,
      user: "uro",
      password: "p@ss/word",
      database: "uro",
      tls: true,
    });
    expect(loginFromUrl(url)).toEqual({
      host: SERVICE_HOST,
      port: 26257,
      user: "uro",
      password: "p@ss/word",
      database: "uro",
      sslmode: "verify-full",
    });
  });

  it("reads the filer's login from the filer.toml the stack mounts, with and without a password", () => {
    const connection = {
      host: SERVICE_HOST,
      port: 26257,
      user: "seaweedfs",
      password: "Zq8x0generated",
      database: "seaweedfs",
      sslmode: "verify-full" as const,
    };
    expect(loginFromFilerToml(filerToml(connection, "/etc/seaweedfs-sql-ca/ca.crt"))).toEqual(connection);
    const insecure = { ...connection, password: "", sslmode: "disable" as const };
    expect(loginFromFilerToml(filerToml(insecure))).toEqual(insecure);
  });

  it("refuses an sslmode the stack never writes, naming it and what is allowed", () => {
    expect(() => loginFromUrl(`postgresql://uro:pw@${SERVICE_HOST}:26257/uro`)).toThrow(
      `the URL for ${SERVICE_HOST}: sslmode null is not one of disable, require, verify-ca, verify-full`,
    );
    expect(() => loginFromUrl(`postgresql://uro:pw@${SERVICE_HOST}:26257/uro?sslmode=prefer`)).toThrow(
      'sslmode "prefer" is not one of',
    );
  });

  it("refuses a filer.toml without the postgres2 store", () => {
    expect(() => loginFromFilerToml("[leveldb2]\nenabled = true\n")).toThrow(/no postgres2 store/);
  });
});

describe("client configs", () => {
  const login = loginFromUrl(`postgresql://uro:pw@${SERVICE_HOST}:26257/uro?sslmode=verify-full`);

  it("connects in plain TCP only when the login says disable", () => {
    const plain = loginFromUrl("postgresql://uro:pw@postgres-standin.db.svc:5432/uro?sslmode=disable");
    expect(clientConfig(plain, "10.0.0.9")).toMatchObject({ host: "10.0.0.9", port: 5432, ssl: false });
  });

  it("refuses to verify a server without the stack's CA, naming the host", () => {
    expect(() => clientConfig(login, "10.0.0.9")).toThrow(`sslmode verify-full for ${SERVICE_HOST}`);
  });

  describe("against a real TLS server at an IP, certified for the Service name by the stack's own CA", () => {
    const deps = { crypto, forge };
    const now = new Date();
    const ca = createAuthority(deps, { commonName: "vsekai test CA", validityDays: 30 }, now);
    const other = createAuthority(deps, { commonName: "someone else's CA", validityDays: 30 }, now);
    const node = issueCertificate(
      deps,
      {
        caCertPem: ca.certPem,
        caKeyPem: ca.keyPem,
        commonName: "node",
        dnsNames: [SERVICE_HOST],
        ipAddresses: [],
        usages: ["server"],
        validityDays: 30,
      },
      now,
    );
    let server: tls.Server;
    let port = 0;

    beforeAll(async () => {
      server = tls.createServer({ key: node.keyPem, cert: node.certPem }, (socket) => socket.end());
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    function handshake(options: tls.ConnectionOptions): Promise<string> {
      return new Promise((resolve) => {
        const socket = tls.connect({ ...options, host: "127.0.0.1", port }, () => {
          socket.end();
          resolve("verified");
        });
        socket.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      });
    }

    const sslOf = (config: ReturnType<typeof clientConfig>) => config.ssl as tls.ConnectionOptions;

    it("verifies the certificate for the Service name while connecting to the IP", async () => {
      expect(await handshake(sslOf(clientConfig(login, "127.0.0.1", ca.certPem)))).toBe("verified");
    });

    it("rejects a server certified by another CA", async () => {
      expect(await handshake(sslOf(clientConfig(login, "127.0.0.1", other.certPem)))).toBe(
        "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
      );
    });

    it("rejects a certificate for another name under verify-full, accepts it under verify-ca", async () => {
      const elsewhere = { ...login, host: "elsewhere.vsekai-dev.svc.cluster.local" };
      expect(await handshake(sslOf(clientConfig(elsewhere, "127.0.0.1", ca.certPem)))).toBe(
        "ERR_TLS_CERT_ALTNAME_INVALID",
      );
      const caOnly = { ...elsewhere, sslmode: "verify-ca" as const };
      expect(await handshake(sslOf(clientConfig(caOnly, "127.0.0.1", ca.certPem)))).toBe("verified");
    });
  });
});
