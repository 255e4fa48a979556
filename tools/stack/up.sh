#!/usr/bin/env bash
# `npm run up`: everything the dev stack needs, then `pulumi up` of it with the policy pack.
#   1. the Pulumi toolchain (tools/toolchain; built once from Go modules, then reused)
#   2. a cluster: the one KUBECONFIG names when VSEKAI_USE_KUBECONFIG=1, else the local one (tools/cluster, root)
#   3. the dev images (tools/images), loaded into the local cluster's containerd
#   4. the database tier (CockroachDB when its image is on the node, else the PostgreSQL stand-in) and the up
set -euo pipefail
cd "$(dirname "$0")/../.."
step() { printf '\n==> %s\n' "$*"; }
fail() { echo "up: $*" >&2; exit 1; }

step "toolchain"
exports="$(bash tools/toolchain/build.sh --print-env)" || fail "the Pulumi toolchain could not be built (see above)"
eval "$exports"

if [ "${VSEKAI_USE_KUBECONFIG:-0}" = 1 ]; then
  step "cluster: using ${KUBECONFIG:-~/.kube/config} (VSEKAI_USE_KUBECONFIG=1)"
  echo "Images: the dev stack names vsekai.local/* images; load tools/images' archives into that cluster yourself" >&2
else
  [ "$(id -u)" = 0 ] || fail "the local cluster runs kubelet and containerd and needs root; run as root, or set VSEKAI_USE_KUBECONFIG=1 to use the cluster KUBECONFIG names"
  step "local cluster"
  bash tools/cluster/cluster.sh start || fail "the local cluster did not start (see above)"
  eval "$(bash tools/cluster/cluster.sh env)"
  step "images"
  VSEKAI_CONTAINERD_SOCKET="${VSEKAI_CLUSTER_DIR:-/var/lib/vsekai-cluster}/run/containerd/containerd.sock" \
    bash tools/images/build.sh --load containerd || fail "the dev images could not be built or loaded (see above)"
fi

step "pulumi up (dev, policy pack policies/dev.json)"
exec node --import tsx tools/stack/up.ts
