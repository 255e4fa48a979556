#!/usr/bin/env bash
# Makes sure this machine has what a README command needs before any long build starts, so that a missing
# package costs seconds, not the half hour of Go builds that would come before the step that needs it.
#
#   ensure.sh [--check] [--quiet] GROUP|--packages "PKG…"…
#     GROUP    cluster, images, tests (tools/prereqs/packages.sh), or toolchain (Go and Node.js versions)
#     --check  report what is missing and exit 1, installing nothing
#
# Missing Debian packages are installed with apt-get (as root); the log is kept. Go and Node.js come with the
# machine: a missing or old one is an error that says which version is needed.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tools/prereqs/packages.sh
. "$HERE/packages.sh"

GO_MIN=1.25
NODE_MIN=20.19
LOG_DIR="${VSEKAI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vsekai-infra}/prereqs"

check_only=false
quiet=false
toolchain=false
packages=()
die() { echo "prerequisites: $*" >&2; exit 1; }
say() { [ "$quiet" = true ] || echo "prerequisites: $*" >&2; }

while [ $# -gt 0 ]; do
  case "$1" in
    --check) check_only=true ;;
    --quiet) quiet=true ;;
    --packages)
      [ $# -ge 2 ] || die "--packages needs a list of Debian package names"
      read -r -a listed <<<"$2"
      packages+=("${listed[@]}")
      shift
      ;;
    toolchain) toolchain=true ;;
    *)
      group="$(prereq_group "$1")" || die "unknown group '$1': expected toolchain or one of $PREREQ_GROUPS"
      read -r -a listed <<<"$group"
      packages+=("${listed[@]}")
      ;;
  esac
  shift
done

# "1.26.8" >= "1.25"? Compared field by field, numerically.
version_at_least() {
  local have="$1" need="$2" h n
  IFS=. read -r -a h <<<"$have"
  IFS=. read -r -a n <<<"$need"
  for i in 0 1 2; do
    if [ "${h[i]:-0}" -gt "${n[i]:-0}" ]; then return 0; fi
    if [ "${h[i]:-0}" -lt "${n[i]:-0}" ]; then return 1; fi
  done
  return 0
}

if [ "$toolchain" = true ]; then
  command -v go >/dev/null || die "go is not on PATH: Go >= $GO_MIN is needed (the Pulumi CLI, Kubernetes and SeaweedFS are built from Go modules; Debian's golang package is older)"
  go_version="$(go env GOVERSION)"
  go_version="${go_version#go}"
  version_at_least "$go_version" "$GO_MIN" || die "Go $go_version is too old: Go >= $GO_MIN is needed"
  command -v node >/dev/null || die "node is not on PATH: Node.js >= $NODE_MIN is needed (the program, the policy pack and the tests)"
  node_version="$(node --version)"
  node_version="${node_version#v}"
  version_at_least "$node_version" "$NODE_MIN" || die "Node.js $node_version is too old: Node.js >= $NODE_MIN is needed"
fi

[ ${#packages[@]} -gt 0 ] || exit 0
mapfile -t packages < <(printf '%s\n' "${packages[@]}" | LC_ALL=C sort -u)
missing_packages() {
  local pkg status
  for pkg in "${packages[@]}"; do
    status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
    [[ "$status" == *'install ok installed'* ]] || echo "$pkg"
  done
}
mapfile -t missing < <(missing_packages)
if [ ${#missing[@]} -eq 0 ]; then
  say "${#packages[@]} Debian packages present"
  exit 0
fi
if [ "$check_only" = true ]; then
  echo "prerequisites: missing Debian packages: ${missing[*]} (install: apt-get install ${missing[*]}, or run tools/prereqs/ensure.sh as root)" >&2
  exit 1
fi
command -v apt-get >/dev/null || die "missing Debian packages (${missing[*]}) and apt-get is not available; install them by hand"
[ "$(id -u)" = 0 ] || die "missing Debian packages: ${missing[*]}; run as root (or: sudo apt-get install ${missing[*]})"

mkdir -p "$LOG_DIR"
log="$LOG_DIR/apt.log"
say "installing ${missing[*]} (apt-get; log: $log)"
if ! { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"; } \
  >>"$log" 2>&1; then
  tail -n 20 "$log" >&2
  die "apt-get install ${missing[*]} failed (log: $log); is a Debian mirror reachable?"
fi
mapfile -t still < <(missing_packages)
[ ${#still[@]} -eq 0 ] || die "apt-get reported success but these are still not installed: ${still[*]} (log: $log)"
say "installed ${missing[*]}"
