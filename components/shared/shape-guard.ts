import * as pulumi from "@pulumi/pulumi";
import { asDataShape, shapeRefusals, type DataShape } from "./data-shape.ts";

// The engine calls a provider's `check` with the inputs it last applied and the new ones before it plans
// anything, in `preview` and at the start of `up` alike: a failure there stops the update before any
// object is touched. A dynamic provider keeps the last accepted shape in state without a custom plugin.
// Every data-holding StatefulSet also depends on the guard, so even an `up --skip-preview`, which plans
// while it applies, cannot reach one past a refusal.

interface GuardInputs {
  shape: DataShape;
}

const shapeGuardProvider: pulumi.dynamic.ResourceProvider<GuardInputs> = {
  async check(olds: Partial<GuardInputs>, news: GuardInputs) {
    const refusals = shapeRefusals(asDataShape(olds.shape), news.shape);
    return {
      inputs: news,
      failures: refusals.map((r) => ({ property: "shape", reason: `${r.setting}: ${r.message}` })),
    };
  },
  async create(inputs) {
    return { id: `${inputs.shape.namespace}-data-shape`, outs: inputs };
  },
  async diff(_id, olds: GuardInputs, news: GuardInputs) {
    return { changes: JSON.stringify(olds.shape) !== JSON.stringify(news.shape) };
  },
  async update(_id, _olds, news: GuardInputs) {
    return { outs: news };
  },
};

/** Holds the stack's data shape in state and refuses an unsafe change of it (see data-shape.ts). */
export class DataShapeGuard extends pulumi.dynamic.Resource {
  constructor(name: string, shape: DataShape, opts?: pulumi.CustomResourceOptions) {
    super(shapeGuardProvider, name, { shape }, opts, "vsekai", "DataShapeGuard");
  }
}

/**
 * What waits for the guard: every StatefulSet, and every generated secret (a refused key rotation must not
 * even make its new keys, which `up --skip-preview` would otherwise do beside the refused check).
 */
const GUARDED_TYPES = new Set([
  "kubernetes:apps/v1:StatefulSet",
  "pulumi-nodejs:dynamic/vsekai:GeneratedSecret",
]);

/**
 * A stack transformation that makes every guarded resource wait for the guard once `holder.guard` is set
 * (the guard is the stack's first child, made after the stack's constructor has registered this).
 */
export function guardedAfterGuard(holder: { guard?: pulumi.Resource }): pulumi.ResourceTransformation {
  return ({ type, props, opts }) => {
    if (holder.guard === undefined || !GUARDED_TYPES.has(type)) return undefined;
    const existing = opts.dependsOn;
    if (existing !== undefined && !Array.isArray(existing) && !pulumi.Resource.isInstance(existing)) {
      throw new Error(`a ${type}'s dependsOn must be a list of resources for the shape guard to join it`);
    }
    const before = existing === undefined ? [] : Array.isArray(existing) ? existing : [existing];
    return { props, opts: { ...opts, dependsOn: [...before, holder.guard] } };
  };
}
