#!/usr/bin/env bash
# `npm run down`: destroys the dev stack and the database stand-in; `--stop-cluster` also stops the local
# cluster (its state stays under /var/lib/vsekai-cluster; `tools/cluster/cluster.sh purge` deletes it).
set -euo pipefail
cd "$(dirname "$0")/../.."
eval "$(bash tools/toolchain/build.sh --print-env)"
if [ "${VSEKAI_USE_KUBECONFIG:-0}" != 1 ]; then eval "$(bash tools/cluster/cluster.sh env)"; fi
node --import tsx tools/stack/down.ts
if [ "${1:-}" = "--stop-cluster" ]; then bash tools/cluster/cluster.sh stop; fi
