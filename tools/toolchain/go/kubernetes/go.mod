// Builds the Kubernetes resource provider (pulumi-resource-kubernetes) from the published provider module.
//
// The module proxy serves github.com/pulumi/pulumi-kubernetes/provider/v4 only as a pseudo-version: the
// provider lives in a sub-directory of its repository and its release tags (v4.x.y) are not sub-module tags.
// This pseudo-version is commit f47bc2d6f199 of 2026-01-15, the last commit before the v4.25.0 tag
// (2026-01-16); see tools/toolchain/README.md for how that was established.
module vsekai-infra/toolchain/kubernetes

go 1.25.11

require github.com/pulumi/pulumi-kubernetes/provider/v4 v4.0.0-20260115033456-f47bc2d6f199

// The provider's go.mod has only one replace, `sdk/v4 => ../sdk`, which is local: the published sdk/v4 module
// its require names stands in for it, so nothing is repeated here.
