// The parts of a running stack that hold data and that Kubernetes or raft cannot change safely in place:
// the SeaweedFS master count (a raft group) and the claim template of every data-holding StatefulSet; and
// the app's S3 key and CockroachDB login generations, whose rotation is safe only one step at a time, with
// the old credential still accepted.
// The shape guard (shape-guard.ts) keeps the shape it last accepted in state and compares each new one
// with it during `preview`, so such a change is refused before any object is touched, unless the stack
// names the setting in `confirmChanges`. Pure: this module is serialized into the engine's dynamic-provider
// host, so it imports nothing at runtime.

import type { GuardedSetting } from "../config/guarded-settings.ts";

/** One StatefulSet's claim template, as the setting that decides it. */
export interface ClaimShape {
  setting: GuardedSetting;
  statefulSet: string;
  /** The claim template's name; a pod's claim is `<template>-<statefulSet>-<ordinal>`. */
  template: string;
  size: string;
  /** Empty for the cluster's default class. */
  storageClass: string;
}

export interface DataShape {
  namespace: string;
  /** The SeaweedFS masters' StatefulSet and its headless Service, for the raft steps. */
  masters: { statefulSet: string; peersService: string; count: number };
  claims: ClaimShape[];
  confirmed: GuardedSetting[];
  /** Absent in state written before key rotation existed (generation 0, nothing retired). */
  s3Keys?: RotationShape;
  /** The app's CockroachDB login generation; absent in external SQL mode and in older state. */
  appLogin?: RotationShape;
}

/** A credential rotated by generation (shared/generations.ts). */
export interface RotationShape {
  generation: number;
  retirePrevious: boolean;
}

/** Refused changes of a credential generation: never confirmable, since a safe way always exists. */
export const KEY_GENERATION_SETTING = "seaweedfs.s3KeyGeneration";
export const LOGIN_GENERATION_SETTING = "cockroach.appLoginGeneration";
type RotationSetting = typeof KEY_GENERATION_SETTING | typeof LOGIN_GENERATION_SETTING;

export interface ShapeRefusal {
  setting: GuardedSetting | RotationSetting;
  message: string;
}

function confirmHint(setting: GuardedSetting): string {
  return `add "${setting}" to confirmChanges (pulumi config set --path 'confirmChanges[0]' ${setting}) for the one update that makes the change, and remove it afterwards`;
}

function masterRefusal(before: number, after: number, shape: DataShape): ShapeRefusal {
  const { statefulSet, peersService } = shape.masters;
  const removed = Array.from({ length: before - after }, (_, i) => `${statefulSet}-${before - 1 - i}`);
  return {
    setting: "seaweedfs.masters",
    message:
      `lowered from ${before} to ${after} on a running stack; refused, nothing was changed. ` +
      `The masters are one raft group: each builds its membership from its -peers list when it starts, ` +
      `so the update would stop ${removed.join(", ")} while the masters that remain still count them as ` +
      `voters until each has restarted with the shorter list; a second fault in that window leaves no ` +
      `quorum and no writes${after === 1 ? ", and afterwards one master is a single point of failure for every write" : ""}. ` +
      `To remove masters on purpose: (1) in weed shell (kubectl -n ${shape.namespace} exec ${statefulSet}-0 -- weed shell ` +
      `-master=${statefulSet}-0.${peersService}:9333), run cluster.raft.ps and check that a leader exists and ` +
      `all ${before} masters are listed; (2) make sure no master is being restarted and the volume servers ` +
      `are all registered (volume.list); (3) ${confirmHint("seaweedfs.masters")}; pulumi up then stops the ` +
      `highest ordinals first and restarts the rest one at a time; (4) run cluster.raft.ps again until it ` +
      `lists ${after} master${after === 1 ? "" : "s"} with one leader. Their claims are kept (retention ` +
      `Retain) for a later scale-up. Or keep seaweedfs.masters: ${before}.`,
  };
}

function claimRefusal(before: ClaimShape, after: ClaimShape, namespace: string): ShapeRefusal {
  const what =
    before.size !== after.size
      ? `the claim size changed from ${before.size} to ${after.size}`
      : `the storage class changed from ${before.storageClass || "(default)"} to ${after.storageClass || "(default)"}`;
  const claims = `${before.template}-${before.statefulSet}-<ordinal>`;
  const grow =
    before.size !== after.size && before.storageClass === after.storageClass
      ? `To grow the disks in place (the class must have allowVolumeExpansion: true): (1) kubectl -n ${namespace} ` +
        `patch pvc ${claims} -p '{"spec":{"resources":{"requests":{"storage":"${after.size}"}}}}' for every ` +
        `pod and wait until each claim's status.capacity shows ${after.size}; (2) kubectl -n ${namespace} ` +
        `delete statefulset ${before.statefulSet} --cascade=orphan (its pods keep running and serving); ` +
        `(3) pulumi refresh; (4) ${confirmHint(after.setting)} and pulumi up: the StatefulSet is created ` +
        `again with the new template and adopts the running pods. `
      : `A different class means new volumes: move the data with a backup and restore (README "Backups and ` +
        `restore") into a new stack. `;
  return {
    setting: after.setting,
    message:
      `${what} on a running stack; refused, nothing was changed. A StatefulSet's volumeClaimTemplates ` +
      `cannot change, so the engine would replace ${before.statefulSet}: every pod stopped at once, and the ` +
      `existing claims (${claims}) kept as they are, so the change would not even reach them. ${grow}` +
      `Or keep ${after.setting} as it was (size ${before.size}${before.storageClass ? `, storageClass ${before.storageClass}` : ""}).`,
  };
}

/** How a rotation by generation is described in its refusals. */
interface RotationTerms {
  setting: RotationSetting;
  retireSetting: string;
  /** Generation g's credential, e.g. "generation 1's keys". */
  credential: (generation: number) => string;
  /** How the running app pods use it: "sign with", "connect as". */
  use: string;
  /** What keeps the previous credential working during a rotation. */
  keeps: string;
  /** Why a number once used cannot be used again. */
  gone: (generation: number) => string;
  /** What retiring does to the previous credential, and how to refer to it afterwards. */
  stops: string;
  it: string;
  oldOne: string;
}

const S3_KEY_TERMS: RotationTerms = {
  setting: KEY_GENERATION_SETTING,
  retireSetting: "seaweedfs.s3RetirePreviousKeys",
  credential: (g) => `generation ${g}'s keys`,
  use: "sign with",
  keeps: "the gateways keep accepting only the generation before the new one",
  gone: (g) => `the keys of generation ${g} are gone, so this would make new ones under an old number`,
  stops: "the gateways would stop accepting",
  it: "them",
  oldOne: "the old keys",
};

const APP_LOGIN_TERMS: RotationTerms = {
  setting: LOGIN_GENERATION_SETTING,
  retireSetting: "cockroach.retirePreviousAppLogins",
  credential: (g) => `generation ${g}'s login`,
  use: "connect as",
  keeps: "only the login of the generation before the new one keeps logging in",
  gone: (g) =>
    `going back to generation ${g}'s login would stop the newer one the running app pods connect as`,
  stops: "CockroachDB would stop",
  it: "it",
  oldOne: "the old login",
};

function generationRefusal(
  terms: RotationTerms,
  before: RotationShape | undefined,
  after: RotationShape | undefined,
): ShapeRefusal[] {
  const was = before ?? { generation: 0, retirePrevious: false };
  const now = after ?? { generation: 0, retirePrevious: false };
  if (now.generation === was.generation) return [];
  const { setting, retireSetting } = terms;
  const refuse = (why: string): ShapeRefusal[] => [
    {
      setting,
      message: `changed from ${was.generation} to ${now.generation} on a running stack; refused, nothing was changed. ${why}`,
    },
  ];
  if (now.generation < was.generation) {
    return refuse(
      `Generations only go up: ${terms.gone(now.generation)}. To rotate, set ${setting} to ${was.generation + 1}.`,
    );
  }
  if (now.generation > was.generation + 1) {
    return refuse(
      `Raise it by one per update: ${terms.keeps}, and the running app pods ${terms.use} ` +
        `${terms.credential(was.generation)} until they have rolled. Set ${setting} to ${was.generation + 1}, ` +
        `run pulumi up, and repeat.`,
    );
  }
  if (now.retirePrevious) {
    const short = retireSetting.slice(retireSetting.indexOf(".") + 1);
    return refuse(
      `${retireSetting} is true, so ${terms.stops} ${terms.credential(was.generation)} while the running ` +
        `app pods still ${terms.use} ${terms.it}. Rotate with ${short} false; once that update is through, ` +
        `set it to true and run pulumi up again to retire ${terms.oldOne}.`,
    );
  }
  return [];
}

const hasCockroachCluster = (shape: DataShape): boolean =>
  shape.appLogin !== undefined || shape.claims.some((c) => c.setting === "cockroach.storage");

/**
 * What the change from `before` (the shape last accepted, absent on a stack's first update) to `after`
 * would do to data that the stack cannot do safely, minus what `after.confirmed` names.
 */
export function shapeRefusals(before: DataShape | undefined, after: DataShape): ShapeRefusal[] {
  if (before === undefined) return [];
  const refusals: ShapeRefusal[] = [];
  if (after.masters.count < before.masters.count) {
    refusals.push(masterRefusal(before.masters.count, after.masters.count, after));
  }
  for (const claim of after.claims) {
    const old = before.claims.find(
      (c) => c.statefulSet === claim.statefulSet && c.template === claim.template,
    );
    if (old === undefined) continue;
    if (old.size !== claim.size || old.storageClass !== claim.storageClass) {
      refusals.push(claimRefusal(old, claim, after.namespace));
    }
  }
  const guarded = refusals.filter((r) => !(after.confirmed as string[]).includes(r.setting));
  return [
    ...guarded,
    ...generationRefusal(S3_KEY_TERMS, before.s3Keys, after.s3Keys),
    // A stack that moves from external SQL to its own cluster starts its logins afresh; state from before
    // login rotation existed, of a stack that had a cluster, was at generation 0.
    ...(after.appLogin === undefined || !hasCockroachCluster(before)
      ? []
      : generationRefusal(APP_LOGIN_TERMS, before.appLogin, after.appLogin)),
  ];
}

/** Reads a shape back from state or inputs; undefined when it is not one (a stack's first update). */
export function asDataShape(value: unknown): DataShape | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const v = value as Partial<DataShape>;
  if (typeof v.namespace !== "string" || typeof v.masters?.count !== "number" || !Array.isArray(v.claims)) {
    return undefined;
  }
  return { ...(v as DataShape), confirmed: Array.isArray(v.confirmed) ? v.confirmed : [] };
}
