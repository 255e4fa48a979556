# Shared settings and helpers for tools/cluster/*.sh. Sourced, never run.
# shellcheck shell=bash
CLUSTER_TOOLS="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=../versions.env
. "$CLUSTER_TOOLS/versions.env"

CACHE_ROOT="${VSEKAI_CACHE:-$HOME/.cache/vsekai-infra}/cluster/${KUBERNETES_VERSION}"
BIN_DIR="$CACHE_ROOT/bin"
IMAGE_DIR="$CACHE_ROOT/images"
STATE_DIR="${VSEKAI_CLUSTER_DIR:-/var/lib/vsekai-cluster}"
BUILD_JOBS="${VSEKAI_BUILD_JOBS:-2}"

# Fixed network layout of the single node.
POD_CIDR=10.244.0.0/24
SERVICE_CIDR=10.96.0.0/16
API_SERVICE_IP=10.96.0.1
DNS_SERVICE_IP=10.96.0.10
CLUSTER_DOMAIN=cluster.local
NODE_NAME="${VSEKAI_NODE_NAME:-vsekai-node}"
API_PORT=6443
ETCD_CLIENT_PORT=2379
ETCD_PEER_PORT=2380
# Ports the components listen on; start refuses when any is taken by someone else.
REQUIRED_PORTS="6443 2379 2380 10250 10256 10257 10259 10249 10248 20244"

log() { printf '[cluster %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[cluster] ERROR: %s\n' "$*" >&2; exit 1; }

# Runs a named step; on failure says which step failed and shows the tail of its log.
step() { # name logfile command...
  local name="$1" logfile="$2"; shift 2
  if ! "$@" >>"$logfile" 2>&1; then
    printf '[cluster] ERROR: step "%s" failed (command: %s). Last lines of %s:\n' "$name" "$*" "$logfile" >&2
    tail -n 25 "$logfile" >&2
    exit 1
  fi
}

# Content hash of files, to tell whether a cached artifact was built from the current inputs. Files that do
# not exist (an unmatched glob) count as empty.
inputs_hash() {
  local f
  for f in "$@"; do if [ -f "$f" ]; then cat "$f"; fi; done | sha256sum | cut -c1-16
}
