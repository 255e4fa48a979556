// Prometheus durations (`for:`, range selectors), as the rule files spell them: units largest first.

const UNITS: [string, number][] = [
  ["y", 365 * 24 * 3600_000],
  ["w", 7 * 24 * 3600_000],
  ["d", 24 * 3600_000],
  ["h", 3600_000],
  ["m", 60_000],
  ["s", 1000],
  ["ms", 1],
];

const DURATION = /^(?=\d)(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

/** Milliseconds in a Prometheus duration such as 1h30m; throws on anything Prometheus would refuse. */
export function durationMs(text: string): number {
  const match = DURATION.exec(text);
  if (!match) throw new Error(`${JSON.stringify(text)} is not a Prometheus duration (e.g. 30s, 5m, 1h30m)`);
  return UNITS.reduce((sum, [, ms], i) => sum + Number(match[i + 1] ?? 0) * ms, 0);
}

/** The shortest spelling of a whole number of milliseconds: 90000 → 1m30s, 0 → 0s. */
export function formatDuration(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0) throw new Error(`${ms} ms is not a duration`);
  if (ms === 0) return "0s";
  let left = ms;
  let text = "";
  for (const [unit, size] of UNITS) {
    const count = Math.floor(left / size);
    if (count > 0) text += `${count}${unit}`;
    left -= count * size;
  }
  return text;
}

/** `for:` capped at `max` (the dev stack's shortening); an alert without a `for:` keeps none. */
export function cappedFor(wanted: string | undefined, max: string | undefined): string | undefined {
  if (wanted === undefined || max === undefined) return wanted;
  return durationMs(wanted) <= durationMs(max) ? wanted : formatDuration(durationMs(max));
}
