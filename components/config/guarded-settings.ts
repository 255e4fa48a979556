/**
 * Settings whose change on a running stack would touch data in a way the stack cannot do safely by itself
 * (components/shared/data-shape.ts says why for each); such a change goes through only in an update whose
 * `confirmChanges` names the setting.
 */
export const GUARDED_SETTINGS = [
  "seaweedfs.masters",
  "seaweedfs.masterStorage",
  "seaweedfs.volumeStorage",
  "cockroach.storage",
] as const;
export type GuardedSetting = (typeof GUARDED_SETTINGS)[number];
