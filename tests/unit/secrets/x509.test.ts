import * as crypto from "node:crypto";
import forge from "node-forge";
import { describe, expect, it } from "vitest";
import { createAuthority, issueCertificate, renewalDue } from "../../../components/secrets/x509.ts";

const deps = { crypto, forge };
const now = new Date("2026-11-24T12:00:00Z");
const ca = createAuthority(deps, { commonName: "vsekai test CA", validityDays: 3650 }, now);

describe("createAuthority", () => {
  it("makes a self-signed CA certificate that matches its key", () => {
    const cert = new crypto.X509Certificate(ca.certPem);
    expect(cert.ca).toBe(true);
    expect(cert.subject).toContain("CN=vsekai test CA");
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.checkPrivateKey(crypto.createPrivateKey(ca.keyPem))).toBe(true);
    expect(ca.notAfter).toBe("2036-11-21T12:00:00.000Z");
  });
});

describe("issueCertificate", () => {
  const node = issueCertificate(
    deps,
    {
      caCertPem: ca.certPem,
      caKeyPem: ca.keyPem,
      commonName: "node",
      dnsNames: ["localhost", "db-0.db.ns.svc.cluster.local", "*.db.ns.svc.cluster.local"],
      ipAddresses: ["127.0.0.1"],
      usages: ["server", "client"],
      validityDays: 730,
    },
    now,
  );
  const cert = new crypto.X509Certificate(node.certPem);

  it("is signed by the CA and is not itself a CA", () => {
    expect(cert.verify(new crypto.X509Certificate(ca.certPem).publicKey)).toBe(true);
    expect(cert.checkIssued(new crypto.X509Certificate(ca.certPem))).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.checkPrivateKey(crypto.createPrivateKey(node.keyPem))).toBe(true);
  });

  it("carries the requested names, addresses and usages", () => {
    expect(cert.subject).toContain("CN=node");
    expect(cert.subjectAltName).toBe(
      "DNS:localhost, DNS:db-0.db.ns.svc.cluster.local, DNS:*.db.ns.svc.cluster.local, IP Address:127.0.0.1",
    );
    expect(cert.checkHost("db-1.db.ns.svc.cluster.local")).toBe("*.db.ns.svc.cluster.local");
    expect(cert.checkHost("db-1.other.ns.svc.cluster.local")).toBeUndefined();
    expect(cert.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(cert.keyUsage).toEqual(expect.arrayContaining(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]));
  });

  it("is backdated an hour for clock skew and valid for the requested days", () => {
    expect(new Date(cert.validFrom).toISOString()).toBe("2026-11-24T11:00:00.000Z");
    expect(node.notAfter).toBe("2028-11-23T12:00:00.000Z");
  });

  it("issues client-only certificates without serverAuth", () => {
    const client = issueCertificate(
      deps,
      {
        caCertPem: ca.certPem,
        caKeyPem: ca.keyPem,
        commonName: "root",
        usages: ["client"],
        validityDays: 30,
      },
      now,
    );
    const parsed = new crypto.X509Certificate(client.certPem);
    expect(parsed.keyUsage).toEqual(["1.3.6.1.5.5.7.3.2"]);
    expect(parsed.subjectAltName).toBeUndefined();
  });

  it("refuses a certificate with no usage", () => {
    expect(() =>
      issueCertificate(
        deps,
        { caCertPem: ca.certPem, caKeyPem: ca.keyPem, commonName: "x", usages: [], validityDays: 1 },
        now,
      ),
    ).toThrow("certificate x: at least one usage (server, client) is required");
  });
});

describe("renewalDue", () => {
  it("is false well before the window and true inside it", () => {
    expect(renewalDue("2027-01-31T00:00:00Z", 60, now)).toBe(false);
    expect(renewalDue("2027-01-22T00:00:00Z", 60, now)).toBe(true);
  });
  it("is true at the exact start of the window", () => {
    expect(renewalDue("2027-01-23T12:00:00.000Z", 60, now)).toBe(true);
  });
  it("treats a missing or unreadable expiry as due", () => {
    expect(renewalDue(undefined, 60, now)).toBe(true);
    expect(renewalDue("not a date", 60, now)).toBe(true);
  });
});
