#!/usr/bin/env bash
# Builds (or reuses) promtool and the Prometheus server pinned in versions.sh, from the Go module proxy, into
# ${VSEKAI_CACHE:-$HOME/.cache/vsekai-infra}/monitoring/<module-version>/bin. promtool checks and unit-tests
# the stack's alert rules and dashboard queries offline; the server is for the live monitoring test.
# A finished directory (stamp written last, binaries built from the pinned module) is reused at once.
# With --with-operator, also the Prometheus Operator and its config reloader (the live test's fixture),
# through the wrapper module go/operator, into monitoring/prometheus-operator-v<version>-<sources hash>/bin.
#
# Usage: tools/monitoring/build.sh [--promtool-only] [--with-operator] [--with-operator-crds] [--print-env] [--quiet]
#   --promtool-only   build only promtool (the server is built on a later run that asks for it)
#   --with-operator   also build `operator` and `prometheus-config-reloader` (adds VSEKAI_OPERATOR_BIN)
#   --with-operator-crds  also fetch the Prometheus Operator's CRDs (operator-crds.sh; adds VSEKAI_OPERATOR_CRDS)
#   --print-env       print `export` lines (PATH, VSEKAI_MONITORING_BIN) for `eval` instead of the summary
#   --quiet           no progress on a warm run (errors are always printed)
set -euo pipefail

monitoring_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.sh
source "$monitoring_dir/versions.sh"
# shellcheck source=../lib/go-build.sh
source "$monitoring_dir/../lib/go-build.sh"

promtool_only=false
with_operator=false
with_crds=false
print_env=false
quiet=false
for arg in "$@"; do
    case "$arg" in
        --promtool-only) promtool_only=true ;;
        --with-operator) with_operator=true ;;
        --with-operator-crds) with_crds=true ;;
        --print-env) print_env=true ;;
        --quiet) quiet=true ;;
        *)
            echo "monitoring build.sh: unknown argument '$arg' (allowed: --promtool-only, --with-operator, --with-operator-crds, --print-env, --quiet)" >&2
            exit 2
            ;;
    esac
done

GO_BUILD_LABEL=monitoring
GO_BUILD_QUIET=$quiet

go_build_require_go "promtool and Prometheus are built from the Go module $PROMETHEUS_MODULE"

cache_root="$(go_build_cache_dir monitoring)"
home="$cache_root/$PROMETHEUS_MODULE_VERSION"
bin="$home/bin"
logs="$home/logs"

tools=(promtool)
if [[ "$promtool_only" == false ]]; then tools+=(prometheus); fi

# The Operator's entry is keyed by its pin and the wrapper module, as tools/ingress keys Traefik's.
operator_release="${PROMETHEUS_OPERATOR_VERSION#v}"
operator_home="$cache_root/prometheus-operator-$PROMETHEUS_OPERATOR_VERSION-$(go_build_sources_hash "$monitoring_dir" versions.sh go/operator)"
operator_bin="$operator_home/bin"
operator_tools=(operator prometheus-config-reloader)

# Does `binary --version` begin with the expected words? The output is read whole: under pipefail a
# `| head | grep -q` pipeline fails at random when an early reader quits, which here would mean a needless rebuild.
first_line_starts() {
    local out
    out="$("$1" --version 2>&1)" || return 1
    [[ "${out%%$'\n'*}" == "$2"* ]]
}

# A binary is warm when its stamp exists, Go's build info says it came from the pinned module version and
# it reports the pinned release.
built_from_pin() {
    local binary="$bin/$1"
    [[ -f "$home/.complete-$1" && -x "$binary" ]] || return 1
    go version -m "$binary" 2>/dev/null |
        awk -v mod="$PROMETHEUS_MODULE" -v ver="$PROMETHEUS_MODULE_VERSION" \
            '$1 == "mod" && $2 == mod && $3 == ver { found = 1 } END { exit !found }' || return 1
    first_line_starts "$binary" "$1, version $PROMETHEUS_VERSION "
}

# `operator --version` says "prometheus-operator, version 0.85.0 (...)", the reloader its own name.
operator_answers_with_pin() {
    local binary=$1 program
    program="$(basename "$binary")"
    [[ "$program" == operator ]] && program=prometheus-operator
    first_line_starts "$binary" "$program, version $operator_release "
}

operator_warm() {
    local tool
    [[ -f "$operator_home/.complete" ]] || return 1
    for tool in "${operator_tools[@]}"; do operator_answers_with_pin "$operator_bin/$tool" || return 1; done
}

finish() {
    local crd_env=""
    if [[ "$with_crds" == true ]]; then
        crd_env="$(bash "$monitoring_dir/operator-crds.sh" --print-env --quiet)" || exit 1
    fi
    if [[ "$print_env" == true ]]; then
        echo "export PATH=\"$bin:\$PATH\""
        echo "export VSEKAI_MONITORING_BIN=\"$bin\""
        if [[ "$with_operator" == true ]]; then echo "export VSEKAI_OPERATOR_BIN=\"$operator_bin\""; fi
        if [[ -n "$crd_env" ]]; then echo "$crd_env"; fi
    else
        go_build_say "ready in $bin (${tools[*]})"
        if [[ "$with_operator" == true ]]; then go_build_say "ready in $operator_bin (${operator_tools[*]})"; fi
        if [[ -n "$crd_env" ]]; then
            local crd_dir="${crd_env#*=}"
            go_build_say "operator CRDs in ${crd_dir//\"/}"
        fi
    fi
}

# ---- Prometheus: plain `go install` of the pinned module (no replaces), one stamp per binary -----------
build_prometheus() {
    local started=$SECONDS log tool packages=() ldflags version_pkg module_version_file
    mkdir -p "$bin" "$logs"
    go_build_stage "$cache_root"
    log="$logs/build-$(date -u +%Y%m%dT%H%M%SZ).log"
    for tool in "$@"; do packages+=("$PROMETHEUS_MODULE/cmd/$tool@$PROMETHEUS_MODULE_VERSION"); done
    go_build_say "cold build of $* from $PROMETHEUS_MODULE@$PROMETHEUS_MODULE_VERSION (log: $log; many minutes on 2 cores)"
    # The release stamp Prometheus' own build (promu) sets; without it --version prints an empty version.
    version_pkg="github.com/prometheus/common/version"
    ldflags="-X $version_pkg.Version=$PROMETHEUS_VERSION -X $version_pkg.Revision=$PROMETHEUS_MODULE_VERSION"
    ldflags+=" -X $version_pkg.Branch=release -X $version_pkg.BuildUser=vsekai-infra"
    # One `go install` for both: they share most packages, so the second costs little once the first compiled.
    # GOFLAGS is cleared because -mod=mod is not allowed with pkg@version.
    go_build_logged "$log" "" "go install $* from $PROMETHEUS_MODULE@$PROMETHEUS_MODULE_VERSION" \
        env GOTOOLCHAIN=local GOFLAGS= CGO_ENABLED=0 GOBIN="$GO_BUILD_STAGE" \
        go install -trimpath -p 2 -ldflags "$ldflags" "${packages[@]}"
    # The module's own VERSION file must say the release we stamp, or the pins disagree.
    module_version_file="$(go env GOMODCACHE)/$PROMETHEUS_MODULE@$PROMETHEUS_MODULE_VERSION/VERSION"
    if [[ "$(cat "$module_version_file" 2>/dev/null)" != "$PROMETHEUS_VERSION" ]]; then
        go_build_fail "FAILED: $module_version_file says '$(cat "$module_version_file" 2>/dev/null)', versions.sh pins PROMETHEUS_VERSION=$PROMETHEUS_VERSION"
    fi
    for tool in "$@"; do
        if ! "$GO_BUILD_STAGE/$tool" --version >>"$log" 2>&1; then
            go_build_fail "FAILED: the freshly built $tool does not run '$tool --version' (see $log)"
        fi
        # Publish each binary whole, then its stamp.
        mv -f "$GO_BUILD_STAGE/$tool" "$bin/$tool"
        date -u +%Y-%m-%dT%H:%M:%SZ >"$home/.complete-$tool"
        built_from_pin "$tool" || go_build_fail "FAILED: $bin/$tool does not carry $PROMETHEUS_MODULE $PROMETHEUS_MODULE_VERSION in its build info (see $log)"
    done
    go_build_say "cold build of $* finished in $((SECONDS - started))s"
}

# ---- the Operator: the wrapper module (its go.mod's replaces only count in the main module) ------------
build_operator() {
    local started=$SECONDS stage log version_pkg ldflags tool module_version_file
    local module_at="$PROMETHEUS_OPERATOR_MODULE@$PROMETHEUS_OPERATOR_VERSION"
    go_build_stage "$cache_root"
    stage="$GO_BUILD_STAGE"
    mkdir -p "$stage/bin" "$stage/logs"
    log="$stage/logs/build.log"
    go_build_say "cold build of ${operator_tools[*]} from $module_at (log: $log, kept as $operator_home/logs/build.log; many minutes on 2 cores)"
    version_pkg="github.com/prometheus/common/version"
    ldflags="-X $version_pkg.Version=$operator_release -X $version_pkg.Revision=$PROMETHEUS_OPERATOR_VERSION"
    ldflags+=" -X $version_pkg.Branch=release -X $version_pkg.BuildUser=vsekai-infra"
    go_build_logged "$log" "$cache_root/failed-logs" "building ${operator_tools[*]} from $monitoring_dir/go/operator" \
        go_build_wrapper "$monitoring_dir/go/operator" "$stage/bin" "$ldflags" \
        "$PROMETHEUS_OPERATOR_MODULE/cmd/operator" "$PROMETHEUS_OPERATOR_MODULE/cmd/prometheus-config-reloader"
    go_build_logged "$stage/logs/versions.log" "$cache_root/failed-logs" \
        "checking that ${operator_tools[*]} compiled in only the versions $module_at requires" \
        go_build_matches_upstream "$module_at" "$stage/bin/operator" "$stage/bin/prometheus-config-reloader"
    module_version_file="$(go env GOMODCACHE)/$module_at/VERSION"
    if [[ "$(cat "$module_version_file" 2>/dev/null)" != "$operator_release" ]]; then
        go_build_fail "FAILED: $module_version_file says '$(cat "$module_version_file" 2>/dev/null)', versions.sh pins PROMETHEUS_OPERATOR_VERSION=$PROMETHEUS_OPERATOR_VERSION"
    fi
    for tool in "${operator_tools[@]}"; do
        operator_answers_with_pin "$stage/bin/$tool" ||
            go_build_fail "FAILED: the freshly built $tool does not report version $operator_release ('$tool --version'; log: $log)"
    done
    echo "cold build finished in $((SECONDS - started))s" >>"$log"
    go_build_publish "$stage" "$operator_home"
    go_build_say "cold build of ${operator_tools[*]} finished in $((SECONDS - started))s"
}

missing=()
for tool in "${tools[@]}"; do
    built_from_pin "$tool" || missing+=("$tool")
done
if [[ ${#missing[@]} -eq 0 ]]; then
    go_build_say "warm: $PROMETHEUS_MODULE@$PROMETHEUS_MODULE_VERSION"
else
    build_prometheus "${missing[@]}"
fi
if [[ "$with_operator" == true ]]; then
    if operator_warm; then
        go_build_say "warm: $PROMETHEUS_OPERATOR_MODULE@$PROMETHEUS_OPERATOR_VERSION ($(basename "$operator_home"))"
    else
        build_operator
    fi
fi
finish
