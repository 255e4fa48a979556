import type * as k8s from "@kubernetes/client-node";
import { isReady } from "../../tools/stack/pods.ts";

// Whether a SeaweedFS image roll finished the masters before it touched a volume server. The StatefulSets
// carry pulumi.com/waitFor (components/shared/awaiting.ts) so that the volume servers' update starts only
// once the masters' roll is over; without it the provider reported the masters done at once and both
// sets rolled together. Observed from pod samples, so it needs nothing from the engine.

const imageOf = (pod: k8s.V1Pod): string | undefined => pod.spec?.containers[0]?.image;

/** Every master there should be runs `image`, is ready, and none is on its way out. */
export function mastersDone(masters: k8s.V1Pod[], image: string, count: number): boolean {
  return masters.length === count && masters.every((p) => isReady(p) && imageOf(p) === image);
}

/** A volume server has been stopped or replaced for the roll: one is going, missing, or on `image`. */
export function volumesTouched(volumes: k8s.V1Pod[], image: string, count: number): boolean {
  return (
    volumes.length < count ||
    volumes.some((p) => p.metadata?.deletionTimestamp !== undefined || imageOf(p) === image)
  );
}

export interface RollOrder {
  /** The first sample (ms since the sampler started) with every master on the new image and ready. */
  mastersDoneMs?: number;
  /** The first sample with a volume server stopped or replaced. */
  volumesTouchedMs?: number;
}

/** Folds one sample into what has been seen so far. */
export function observeRollOrder(
  seen: RollOrder,
  atMs: number,
  sample: { masters: k8s.V1Pod[]; volumes: k8s.V1Pod[] },
  image: string,
  counts: { masters: number; volumes: number },
): RollOrder {
  return {
    mastersDoneMs:
      seen.mastersDoneMs ?? (mastersDone(sample.masters, image, counts.masters) ? atMs : undefined),
    volumesTouchedMs:
      seen.volumesTouchedMs ?? (volumesTouched(sample.volumes, image, counts.volumes) ? atMs : undefined),
  };
}
