#!/usr/bin/env bash
# `npm run up [-- --stack ha]`: everything the dev stack (or the HA stack, Pulumi.ha.yaml) needs, then
# `pulumi up` of it with the policy pack.
#   0. the prerequisites (tools/prereqs: Go and Node.js versions, Debian packages installed when missing)
#   1. the Pulumi toolchain (tools/toolchain; built once from Go modules, then reused)
#   2. a cluster: the one KUBECONFIG names when VSEKAI_USE_KUBECONFIG=1, else the local one (tools/cluster, root)
#   3. the dev images (tools/images), loaded into the local cluster's containerd; ha adds Traefik's
#   4. the database tier (CockroachDB when its image is on the node, else the PostgreSQL stand-in), for ha
#      the ingress controller (tools/stack/ingress-controller.ts), and the up
set -euo pipefail
cd "$(dirname "$0")/../.."
step() { printf '\n==> %s\n' "$*"; }
fail() { echo "up: $*" >&2; exit 1; }

stack=dev
while [ $# -gt 0 ]; do
  case "$1" in
    --stack) [ $# -ge 2 ] || fail "--stack needs a name: dev or ha"; stack="$2"; shift 2 ;;
    --stack=*) stack="${1#--stack=}"; shift ;;
    *) fail "unknown argument $1 (allowed: --stack dev|ha)" ;;
  esac
done
case "$stack" in
  dev) images=() ;;
  ha) images=(seaweedfs uro-standin postgres-standin traefik) ;;
  *) fail "--stack $stack is not allowed: the local cluster runs dev and ha (staging and prod deploy through CI)" ;;
esac

# Everything this command will need is checked (and installed) first: a missing package costs seconds here,
# not the half hour of Go builds before the step that needs it.
step "prerequisites"
bash tools/prereqs/ensure.sh toolchain || fail "Go or Node.js is missing or too old (see above)"
if [ "${VSEKAI_USE_KUBECONFIG:-0}" != 1 ]; then
  [ "$(id -u)" = 0 ] || fail "the local cluster runs kubelet and containerd and needs root; run as root, or set VSEKAI_USE_KUBECONFIG=1 to use the cluster KUBECONFIG names"
  bash tools/prereqs/ensure.sh cluster images || fail "the Debian packages for the local cluster and the dev images could not be installed (see above)"
fi

step "toolchain"
exports="$(bash tools/toolchain/build.sh --print-env)" || fail "the Pulumi toolchain could not be built (see above)"
eval "$exports"

if [ "${VSEKAI_USE_KUBECONFIG:-0}" = 1 ]; then
  step "cluster: using ${KUBECONFIG:-~/.kube/config} (VSEKAI_USE_KUBECONFIG=1)"
  echo "Images: the $stack stack names vsekai.local/* images; load tools/images' archives into that cluster yourself" >&2
else
  step "local cluster"
  bash tools/cluster/cluster.sh start || fail "the local cluster did not start (see above)"
  eval "$(bash tools/cluster/cluster.sh env)"
  step "images"
  VSEKAI_CONTAINERD_SOCKET="${VSEKAI_CLUSTER_DIR:-/var/lib/vsekai-cluster}/run/containerd/containerd.sock" \
    bash tools/images/build.sh --load containerd "${images[@]}" || fail "the images could not be built or loaded (see above)"
fi

step "pulumi up ($stack, policy pack policies/$stack.json)"
exec node --import tsx tools/stack/up.ts --stack "$stack"
