// A credential rotated by generation (the app's S3 keys, its CockroachDB login): raising the number makes a
// new credential while the one before it keeps working, so app pods not yet rolled (and any client outside
// the stack still holding it) are served; retiring the previous one stops it once everything has moved.

/** The generations still accepted, newest first. */
export function acceptedGenerations(generation: number, retirePrevious: boolean): number[] {
  if (!Number.isInteger(generation) || generation < 0) {
    throw new Error(`a credential generation is a whole number from 0; got ${generation}`);
  }
  return generation === 0 || retirePrevious ? [generation] : [generation, generation - 1];
}
