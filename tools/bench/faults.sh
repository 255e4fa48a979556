#!/usr/bin/env bash
# The fault benchmark (tools/bench/faults.ts) on the local cluster, as root: prepares the toolchain, the
# cluster and the images (Traefik included) the way `npm run up -- --stack ha` does, then prints the figures.
# Arguments filter the scenarios and the changes by name, e.g. `npm run bench:faults -- leader release`.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=tools/bench/local-cluster.sh
. tools/bench/local-cluster.sh
prepare_local_cluster seaweedfs seaweedfs-rebuild uro-standin uro-standin-next uro-standin-broken postgres-standin traefik
node --import tsx tools/bench/faults.ts "$@"
