#!/usr/bin/env bash
# Fetches (or reuses) the Prometheus Operator's CRDs pinned in versions.sh from its Go module (the module
# zip carries them under example/prometheus-operator-crd/) into
# ${VSEKAI_CACHE:-$HOME/.cache/vsekai-infra}/monitoring/prometheus-operator-<version>/crds. Nothing is
# compiled: it is one module download (about 4 MB). The tests check the stack's ServiceMonitors and
# PrometheusRules against these schemas; the live test applies them to the cluster.
#
# Usage: tools/monitoring/operator-crds.sh [--print-env] [--quiet]
#   --print-env   print `export VSEKAI_OPERATOR_CRDS=<dir>` for `eval` instead of the summary
set -euo pipefail

monitoring_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.sh
source "$monitoring_dir/versions.sh"

print_env=false
quiet=false
for arg in "$@"; do
    case "$arg" in
        --print-env) print_env=true ;;
        --quiet) quiet=true ;;
        *)
            echo "operator-crds.sh: unknown argument '$arg' (allowed: --print-env, --quiet)" >&2
            exit 2
            ;;
    esac
done

say() { if [[ "$quiet" == false ]]; then echo "operator CRDs: $*" >&2; fi; }
fail() { echo "operator CRDs: $*" >&2; exit 1; }

command -v go >/dev/null || fail "go is not on PATH; the CRDs come from the Go module $PROMETHEUS_OPERATOR_MODULE"

home="${VSEKAI_CACHE:-$HOME/.cache/vsekai-infra}/monitoring/prometheus-operator-$PROMETHEUS_OPERATOR_VERSION"
crds="$home/crds"
# Every CRD of the release is kept (the Operator looks for all of them); these must be among them: the kinds
# the stack declares, and the Prometheus the live test creates.
needed=(servicemonitors prometheusrules podmonitors prometheuses)

finish() {
    if [[ "$print_env" == true ]]; then
        echo "export VSEKAI_OPERATOR_CRDS=\"$crds\""
    else
        say "ready in $crds"
    fi
}

warm=true
[[ -f "$home/.complete" ]] || warm=false
for kind in "${needed[@]}"; do [[ -f "$crds/monitoring.coreos.com_$kind.yaml" ]] || warm=false; done
if [[ "$warm" == true ]]; then
    say "warm: $PROMETHEUS_OPERATOR_MODULE@$PROMETHEUS_OPERATOR_VERSION"
    finish
    exit 0
fi

mkdir -p "$home"
stage="$(mktemp -d "$home/.stage.XXXXXX")"
trap 'rm -rf "$stage"' EXIT
log="$home/download.log"
# Outside any module, so `go mod download` takes module@version; GOFLAGS may carry flags it refuses.
if ! (cd "$stage" && GOFLAGS= GOTOOLCHAIN=local go mod download -json \
    "$PROMETHEUS_OPERATOR_MODULE@$PROMETHEUS_OPERATOR_VERSION") >"$log" 2>&1; then
    echo "operator CRDs: FAILED: go mod download $PROMETHEUS_OPERATOR_MODULE@$PROMETHEUS_OPERATOR_VERSION; last lines of $log:" >&2
    tail -n 20 "$log" | sed 's/^/    /' >&2
    exit 1
fi
module_dir="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' "$log")"
[[ -d "$module_dir/example/prometheus-operator-crd" ]] ||
    fail "FAILED: $PROMETHEUS_OPERATOR_MODULE@$PROMETHEUS_OPERATOR_VERSION has no example/prometheus-operator-crd (see $log)"
mkdir -p "$stage/crds"
install -m 0644 "$module_dir"/example/prometheus-operator-crd/*.yaml "$stage/crds/"
for kind in "${needed[@]}"; do
    [[ -f "$stage/crds/monitoring.coreos.com_$kind.yaml" ]] ||
        fail "FAILED: the module has no example/prometheus-operator-crd/monitoring.coreos.com_$kind.yaml"
done
rm -rf "$crds"
mv "$stage/crds" "$crds"
date -u +%Y-%m-%dT%H:%M:%SZ >"$home/.complete"
say "fetched $(find "$crds" -name '*.yaml' | wc -l) CRDs from $PROMETHEUS_OPERATOR_MODULE@$PROMETHEUS_OPERATOR_VERSION"
finish
