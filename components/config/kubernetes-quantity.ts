// Kubernetes resource quantities compared exactly, the way the API server compares them: validation
// refuses a request above its limit by `Quantity.Cmp`, which is exact, so floating point (0.1 + 0.2) would
// let through or refuse the wrong values. Amounts are held in nano-units as bigints.

const DECIMAL_EXPONENT: Record<string, number> = {
  n: -9,
  u: -6,
  m: -3,
  "": 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};
const BINARY_EXPONENT: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const NANOS_PER_UNIT = 10n ** 9n;

// The grammar of resource.ParseQuantity (k8s.io/apimachinery/pkg/api/resource): a signed decimal number,
// then a binary suffix, a decimal suffix or a decimal exponent.
const QUANTITY = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?$/;

/**
 * The amount of a quantity in nano-units (1 = 10^-9 of a CPU or a byte), or undefined when the text is not
 * a quantity. Like ParseQuantity, anything finer than a nano-unit is rounded up (away from zero), so "1n"
 * and "0.0000000001" are equal; the amount is not capped (the API server caps only binary quantities at
 * 2^63-1, far beyond anything a container asks for).
 */
export function quantityNanos(text: string): bigint | undefined {
  const match = QUANTITY.exec(text);
  if (!match) return undefined;
  const [, sign = "", whole = "", fraction = "", suffix = ""] = match;
  if (whole === "" && fraction === "") return undefined;
  // The number as digits × 10^exponent, then scaled to nano-units.
  let digits = BigInt(whole + fraction || "0");
  let exponent = -fraction.length + 9;
  let factor = 1n;
  if (suffix in BINARY_EXPONENT) factor = 2n ** BigInt(BINARY_EXPONENT[suffix] ?? 0);
  else if (/^[eE]/.test(suffix)) exponent += Number(suffix.slice(1));
  else exponent += DECIMAL_EXPONENT[suffix] ?? 0;
  digits *= factor;
  if (exponent >= 0) digits *= 10n ** BigInt(exponent);
  else {
    const divisor = 10n ** BigInt(-exponent);
    digits = digits / divisor + (digits % divisor === 0n ? 0n : 1n);
  }
  return sign === "-" ? -digits : digits;
}

/**
 * A quantity for `nanos` nano-units in the shortest exact form among millis and nanos, e.g. "1000m" or
 * "500n". Millis whenever the amount allows it, which is how every CPU value in this project is written.
 */
export function formatNanos(nanos: bigint): string {
  const perMilli = NANOS_PER_UNIT / 1000n;
  return nanos % perMilli === 0n ? `${nanos / perMilli}m` : `${nanos}n`;
}
