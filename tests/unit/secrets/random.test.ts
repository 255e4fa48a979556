import * as crypto from "node:crypto";
import { describe, expect, it } from "vitest";
import { randomString } from "../../../components/secrets/random.ts";

describe("randomString", () => {
  it("has the requested length and alphabet", () => {
    expect(randomString(crypto, 64)).toMatch(/^[A-Za-z0-9]{64}$/);
    expect(randomString(crypto, 33, "hex")).toMatch(/^[0-9a-f]{33}$/);
    expect(randomString(crypto, 5, "base64url")).toMatch(/^[A-Za-z0-9_-]{5}$/);
  });
  it("differs between calls", () => {
    expect(randomString(crypto, 32)).not.toBe(randomString(crypto, 32));
  });
  it("uses every symbol about equally (no modulo bias toward the first ones)", () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 10; i++) {
      for (const ch of randomString(crypto, 62 * 40)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    }
    expect(counts.size).toBe(62);
    for (const n of counts.values()) {
      expect(n).toBeGreaterThan(400 * 0.7);
      expect(n).toBeLessThan(400 * 1.3);
    }
  });
  it("refuses lengths outside 1..4096", () => {
    expect(() => randomString(crypto, 0)).toThrow(
      "secret length must be a whole number from 1 to 4096, got 0",
    );
    expect(() => randomString(crypto, 2.5)).toThrow("got 2.5");
  });
});
