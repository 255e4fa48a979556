# Pinned toolchain versions; sourced by build.sh. Keep in step with package.json.
# shellcheck shell=bash

# @pulumi/pulumi in package.json; the CLI and our language host are built against the same Go modules.
PULUMI_VERSION="3.248.0"

# The Kubernetes provider module is only served as this pseudo-version: commit f47bc2d6f199 of 2026-01-15,
# between the v4.24.1 and v4.25.0 tags (1.5 days before the latter). The binary is stamped with the Go-style
# version of that commit, which says exactly what it is: after 4.24.1, before the next release. Its schema
# equals that of the npm @pulumi/kubernetes 4.24.1 / 4.25.0 SDKs (identical but for their version), not 4.34.2.
KUBERNETES_PROVIDER_MODULE_VERSION="v4.0.0-20260115033456-f47bc2d6f199"
KUBERNETES_PROVIDER_VERSION="4.24.2-0.20260115033456-f47bc2d6f199"

# Workflow linter for .github/workflows (optional: build.sh --with-actionlint).
ACTIONLINT_VERSION="v1.7.12"
