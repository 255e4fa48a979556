# shellcheck shell=bash
# Sourced by the live benchmarks: everything a stack on the local cluster needs, the way `npm run up` readies
# it (prerequisites, toolchain, cluster, the named images built and loaded), with the environment exported.
# usage: prepare_local_cluster <image>…
prepare_local_cluster() {
  bash tools/prereqs/ensure.sh toolchain cluster images
  eval "$(bash tools/toolchain/build.sh --print-env --quiet)"
  bash tools/cluster/cluster.sh start
  eval "$(bash tools/cluster/cluster.sh env)"
  VSEKAI_CONTAINERD_SOCKET="${VSEKAI_CLUSTER_DIR:-/var/lib/vsekai-cluster}/run/containerd/containerd.sock" \
    bash tools/images/build.sh --load containerd "$@" >/dev/null
}
