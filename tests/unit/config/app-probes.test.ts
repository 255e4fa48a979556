import { describe, expect, it } from "vitest";
import { resolveStackConfig } from "../../../components/config/resolve.ts";
import { minimalConfig, problems } from "./fixtures.ts";

function appWith(app: Record<string, unknown>): Record<string, unknown> {
  const raw = minimalConfig("prod");
  return { ...raw, app: { ...(raw.app as Record<string, unknown>), ...app } };
}

describe("app probe paths", () => {
  it("ask the health path for readiness too unless a pod-local path is named", () => {
    const app = resolveStackConfig(appWith({ healthPath: "/healthz" }), "prod").app;
    expect(app.healthPath).toBe("/healthz");
    expect(app.readinessPath).toBe("/healthz");
    expect(resolveStackConfig(minimalConfig("prod"), "prod").app.readinessPath).toBe("/health");
  });

  it("keep the health path for startup and the readiness path for readiness and liveness", () => {
    const app = resolveStackConfig(appWith({ readinessPath: "/livez" }), "prod").app;
    expect(app.healthPath).toBe("/health");
    expect(app.readinessPath).toBe("/livez");
  });

  it("refuse a readiness path that is not absolute, naming the setting", () => {
    expect(problems(appWith({ readinessPath: "livez" }))).toEqual([
      'vsekai-infra:app.readinessPath: "livez" is not allowed: expected an absolute HTTP path such as /health',
    ]);
  });
});
