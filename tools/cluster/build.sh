#!/usr/bin/env bash
# Builds the cluster's binaries from the pinned Go modules into $VSEKAI_CACHE/cluster/<k8s version>/bin.
# Each group (kubernetes, coredns, kube-router) carries a stamp of the go.mod/go.sum it was built from, so a
# warm run rebuilds nothing and a version bump rebuilds only what changed.
set -euo pipefail
. "$(cd "$(dirname "$0")" && pwd)/lib/common.sh"

command -v go >/dev/null || die "go is not on PATH; the cluster's binaries are built from Go modules (Go 1.24+)."
mkdir -p "$BIN_DIR"
# Static binaries: they run on the host and inside scratch images alike.
export CGO_ENABLED=0
BUILD_LOG="$CACHE_ROOT/build.log"

k8s_ldflags() {
  local minor="${KUBERNETES_VERSION#v1.}"; minor="${minor%%.*}"
  local date
  date="$(go mod download -json "k8s.io/kubernetes@${KUBERNETES_VERSION}" | sed -n 's/^\s*"Time": "\(.*\)",\?$/\1/p')"
  local flags="-s -w" pkg
  # The API server and kubectl report these through /version; unstamped builds say v0.0.0-master.
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    flags+=" -X $pkg.gitVersion=${KUBERNETES_VERSION} -X $pkg.gitMajor=1 -X $pkg.gitMinor=${minor}"
    flags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=${date:-1970-01-01T00:00:00Z}"
    flags+=" -X $pkg.gitCommit=module-${KUBERNETES_VERSION}"
  done
  printf '%s' "$flags"
}

build_group() { # group-dir version binaries-description ldflags packages...
  local group="$1" version="$2" ldflags="$3"; shift 3
  local moddir="$CLUSTER_TOOLS/go/$group"
  local stamp="$BIN_DIR/.stamp-$group" want
  want="$version $(inputs_hash "$moddir"/go.mod "$moddir"/go.sum "$moddir"/*.go)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    log "build: $group $version cached in $BIN_DIR"
    return 0
  fi
  log "build: $group $version -> $BIN_DIR (cold build with -p $BUILD_JOBS; on 2 busy cores kubernetes took 47 min, coredns 7, kube-router 6)"
  local started=$SECONDS
  (cd "$moddir" && step "go build $group $version" "$BUILD_LOG" \
    go build -p "$BUILD_JOBS" -trimpath -ldflags "$ldflags" -o "$BIN_DIR/" "$@")
  echo "$want" >"$stamp"
  log "build: $group $version done in $((SECONDS - started))s"
}

total_started=$SECONDS
: >"$BUILD_LOG"
build_group kubernetes "$KUBERNETES_VERSION" "$(k8s_ldflags)" \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-proxy \
  k8s.io/kubernetes/cmd/kubectl
build_group coredns "$COREDNS_VERSION" \
  "-s -w -X github.com/coredns/coredns/coremain.GitCommit=module-${COREDNS_VERSION}" .
build_group kube-router "$KUBE_ROUTER_VERSION" \
  "-s -w -X github.com/cloudnativelabs/kube-router/v2/pkg/version.Version=${KUBE_ROUTER_VERSION}" \
  github.com/cloudnativelabs/kube-router/v2/cmd/kube-router
log "build: all binaries ready in $BIN_DIR ($((SECONDS - total_started))s)"
