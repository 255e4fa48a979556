import { describe, expect, it } from "vitest";
import { cappedFor, durationMs, formatDuration } from "../../../components/monitoring/duration.ts";

describe("Prometheus durations", () => {
  it.each([
    ["0s", 0],
    ["30s", 30_000],
    ["1h30m", 5_400_000],
    ["1d", 86_400_000],
    ["250ms", 250],
    ["1w2d", 9 * 86_400_000],
  ])("reads %s as %d ms", (text, ms) => {
    expect(durationMs(text)).toBe(ms);
  });

  it.each(["", "30", "1m1h", "5 m", "-1s"])("refuses %j", (text) => {
    expect(() => durationMs(text)).toThrow(
      `${JSON.stringify(text)} is not a Prometheus duration (e.g. 30s, 5m, 1h30m)`,
    );
  });

  it("writes the shortest spelling, which reads back the same", () => {
    expect(formatDuration(0)).toBe("0s");
    expect(formatDuration(90_000)).toBe("1m30s");
    expect(formatDuration(86_400_000 + 1)).toBe("1d1ms");
    for (const ms of [1, 999, 60_000, 3_723_004, 8 * 86_400_000]) {
      expect(durationMs(formatDuration(ms))).toBe(ms);
    }
  });

  it("caps a for: at the maximum and leaves shorter ones and missing ones alone", () => {
    expect(cappedFor("15m", "30s")).toBe("30s");
    expect(cappedFor("1h", "90s")).toBe("1m30s");
    expect(cappedFor("10s", "30s")).toBe("10s");
    expect(cappedFor(undefined, "30s")).toBeUndefined();
    expect(cappedFor("15m", undefined)).toBe("15m");
  });
});
