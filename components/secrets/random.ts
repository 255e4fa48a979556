import type * as NodeCrypto from "node:crypto";

export type Alphabet = "alphanumeric" | "hex" | "base64url";

const ALPHABETS: Record<Alphabet, string> = {
  alphanumeric: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
  hex: "0123456789abcdef",
  base64url: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
};

/**
 * A uniformly random string. Bytes that would bias the result (the tail of 0..255 past the largest
 * multiple of the alphabet size) are thrown away rather than folded in with a modulo.
 * `crypto` is passed in because this also runs inside the engine's dynamic-provider host (see providers.ts).
 */
export function randomString(
  crypto: typeof NodeCrypto,
  length: number,
  alphabet: Alphabet = "alphanumeric",
): string {
  if (!Number.isInteger(length) || length < 1 || length > 4096) {
    throw new Error(`secret length must be a whole number from 1 to 4096, got ${length}`);
  }
  const chars = ALPHABETS[alphabet];
  const limit = 256 - (256 % chars.length);
  let out = "";
  while (out.length < length) {
    for (const byte of crypto.randomBytes(length * 2)) {
      if (byte < limit && out.length < length) out += chars[byte % chars.length];
    }
  }
  return out;
}
