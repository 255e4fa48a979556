import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../components/config/errors.ts";
import { formatNanos, quantityNanos } from "../../../components/config/kubernetes-quantity.ts";
import { resolveStackConfig } from "../../../components/config/resolve.ts";
import { resourcesSchema } from "../../../components/config/schema.ts";
import { containerResources } from "../../../components/shared/resources.ts";
import { minimalConfig } from "./fixtures.ts";

describe("quantityNanos", () => {
  it.each<[string, bigint]>([
    ["0", 0n],
    ["250m", 250_000_000n],
    ["0.25", 250_000_000n],
    ["2", 2_000_000_000n],
    ["1.5Ki", 1536n * 10n ** 9n],
    ["4Gi", 4n * 1024n ** 3n * 10n ** 9n],
    ["1.5k", 1500n * 10n ** 9n],
    ["1e3", 1000n * 10n ** 9n],
    ["500n", 500n],
    ["-1", -(10n ** 9n)],
  ])("reads %s", (text, nanos) => {
    expect(quantityNanos(text)).toBe(nanos);
  });

  it("rounds anything finer than a nano-unit up, as ParseQuantity does", () => {
    expect(quantityNanos("0.0000000001")).toBe(1n);
    expect(quantityNanos("1.0000000001")).toBe(10n ** 9n + 1n);
  });

  it.each(["", "m", "1.5.5", "1Ki5", "one", "1 Gi"])("refuses %j", (text) => {
    expect(quantityNanos(text)).toBeUndefined();
  });
});

describe("formatNanos", () => {
  it("writes millis when it can and nanos otherwise", () => {
    expect(formatNanos(4_000_000_000n)).toBe("4000m");
    expect(formatNanos(800_000n)).toBe("800000n");
  });
});

const prod = minimalConfig("prod");

// The schema's own CPU grammar: millicores, or cores with an optional fraction.
const cpu = fc.oneof(
  fc.nat({ max: 64_000 }).map((m) => `${m}m`),
  fc
    .tuple(fc.nat({ max: 64 }), fc.option(fc.stringMatching(/^[0-9]{1,10}$/), { nil: undefined }))
    .map(([whole, fraction]) => (fraction === undefined ? `${whole}` : `${whole}.${fraction}`)),
);

describe("the CPU limit a container gets", () => {
  it("is never below its request, for any resources the schema and validation accept", () => {
    fc.assert(
      fc.property(cpu, fc.option(cpu, { nil: undefined }), (request, cpuLimit) => {
        const resources = { cpu: request, memory: "512Mi", ...(cpuLimit === undefined ? {} : { cpuLimit }) };
        expect(resourcesSchema.safeParse(resources).success).toBe(true);
        const raw = { ...prod, app: { ...(prod.app as object), resources } };
        try {
          resolveStackConfig(raw, "prod");
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
          // Refused: then only because the explicit limit is below the request.
          expect(cpuLimit).toBeDefined();
          expect(quantityNanos(cpuLimit as string)).toBeLessThan(quantityNanos(request) as bigint);
          return;
        }
        const rendered = containerResources(resources) as {
          requests: { cpu: string };
          limits: { cpu: string };
        };
        const limit = quantityNanos(rendered.limits.cpu);
        expect(limit).toBeDefined();
        expect(limit as bigint).toBeGreaterThanOrEqual(quantityNanos(rendered.requests.cpu) as bigint);
        if (cpuLimit === undefined) expect(limit).toBe(2n * (quantityNanos(request) as bigint));
      }),
      { numRuns: 300 },
    );
  });

  it("is twice the request in millicores for the values the profiles use", () => {
    expect(containerResources({ cpu: "500m", memory: "1Gi" }).limits).toEqual({
      cpu: "1000m",
      memory: "1Gi",
    });
    expect(containerResources({ cpu: "2", memory: "8Gi" }).limits).toEqual({ cpu: "4000m", memory: "8Gi" });
  });

  it("stays above a request finer than a millicore, which millicores alone would round to 0m", () => {
    expect(containerResources({ cpu: "0.0004", memory: "1Gi" }).limits).toEqual({
      cpu: "800000n",
      memory: "1Gi",
    });
  });
});
