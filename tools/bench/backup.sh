#!/usr/bin/env bash
# The backup benchmark (tools/bench/backup.ts) on the local cluster, as root: prepares the toolchain, the
# cluster and the dev stack's images the way `npm run up` does, then runs the backup drill and prints figures.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=tools/bench/local-cluster.sh
. tools/bench/local-cluster.sh
prepare_local_cluster seaweedfs uro-standin postgres-standin
node --import tsx tools/bench/backup.ts "$@"
