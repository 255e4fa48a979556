#!/usr/bin/env bash
# `npm run down [-- --stack ha] [--stop-cluster]`: destroys the dev (or HA) stack and what the harness ran
# for it (database stand-in, ingress controller); `--stop-cluster` also stops the local cluster (its state
# stays under /var/lib/vsekai-cluster; `tools/cluster/cluster.sh purge` deletes it).
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tools/prereqs/ensure.sh toolchain
eval "$(bash tools/toolchain/build.sh --print-env)"
if [ "${VSEKAI_USE_KUBECONFIG:-0}" != 1 ]; then eval "$(bash tools/cluster/cluster.sh env)"; fi
node --import tsx tools/stack/down.ts "$@"
for arg in "$@"; do
  if [ "$arg" = "--stop-cluster" ]; then bash tools/cluster/cluster.sh stop; fi
done
