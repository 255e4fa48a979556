#!/usr/bin/env bash
# The dev-stack benchmark (tools/bench/dev-stack.ts) on the local cluster, as root: prepares the toolchain,
# the cluster and the images the way `npm run up` does, then prints the figures.
set -euo pipefail
cd "$(dirname "$0")/../.."
eval "$(bash tools/toolchain/build.sh --print-env --quiet)"
bash tools/cluster/cluster.sh start
eval "$(bash tools/cluster/cluster.sh env)"
VSEKAI_CONTAINERD_SOCKET="${VSEKAI_CLUSTER_DIR:-/var/lib/vsekai-cluster}/run/containerd/containerd.sock" \
  bash tools/images/build.sh --load containerd >/dev/null
node --import tsx tools/bench/dev-stack.ts
