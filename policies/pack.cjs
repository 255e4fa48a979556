/* global module */
// The engine's entry point for this pack (package.json "main"). Pulumi's policy-pack runner registers its
// vendored CommonJS ts-node for every `.ts` file it `require`s, and that breaks an ES module (it compiles
// index.ts to code that uses `__filename`). So this CommonJS file loads the pack with `import()`, which goes
// through tsx's ESM loader (`nodeargs: --import tsx` in PulumiPolicy.yaml); the runner awaits the promise.
module.exports = import("./index.ts");
