import { describe, expect, it } from "vitest";
import { PATCH_FORCE_ANNOTATION } from "../../../components/shared/field-ownership.ts";
import { unwrapSecrets } from "../harness.ts";
import { declaredStack } from "./stack-files.ts";

// Hand edits (kubectl scale, kubectl set env) take field ownership under server-side apply; without force
// the next preview --refresh or up fails on the conflict (seen live) instead of putting the value back.

describe("every Kubernetes object of a stack", () => {
  it.each(["dev", "prod"])("applies with force in %s, keeping the annotations it declared", async (stack) => {
    const mocks = await declaredStack(stack);
    const kube = mocks.resources.filter((r) => r.type.startsWith("kubernetes:"));
    expect(kube.length).toBeGreaterThan(20);
    for (const r of kube) {
      const annotations = (unwrapSecrets(r.inputs.metadata) as { annotations?: Record<string, string> })
        .annotations;
      expect(annotations?.[PATCH_FORCE_ANNOTATION], `${r.type} ${r.name}`).toBe("true");
    }
    // An annotation the stack sets itself survives next to it.
    const service = kube.find((r) => r.type === "kubernetes:core/v1:Service" && r.name.endsWith("-s3"));
    const annotations = (unwrapSecrets(service?.inputs.metadata) as { annotations?: Record<string, string> })
      .annotations;
    expect(Object.keys(annotations ?? {}).length).toBeGreaterThan(1);
  });
});
