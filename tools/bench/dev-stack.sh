#!/usr/bin/env bash
# The dev-stack benchmark (tools/bench/dev-stack.ts) on the local cluster, as root: prepares the toolchain,
# the cluster and the images the way `npm run up` does, then prints the figures.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=tools/bench/local-cluster.sh
. tools/bench/local-cluster.sh
prepare_local_cluster seaweedfs uro-standin postgres-standin
node --import tsx tools/bench/dev-stack.ts
