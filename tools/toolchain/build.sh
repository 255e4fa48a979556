#!/usr/bin/env bash
# Builds (or reuses) the offline Pulumi toolchain pinned in versions.sh, from the Go module proxy:
#   pulumi                          the CLI (github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
#   pulumi-language-nodejs          our Node.js language host (go/pulumi/cmd/pulumi-language-nodejs)
#   pulumi-resource-kubernetes      the Kubernetes provider (go/kubernetes)
#   pulumi-resource-pulumi-nodejs   dynamic-provider launcher (launchers/)
#   pulumi-analyzer-policy-nodejs   policy-pack launcher (launchers/), also as pulumi-analyzer-policy
#   actionlint                      only with --with-actionlint
# into ${VSEKAI_CACHE:-$HOME/.cache/vsekai-infra}/toolchain/<versions-key>/bin. The key covers the pins, the Go
# sources and the launchers, so a change to any builds a new directory; a finished one is reused at once.
# actionlint has its own directory, toolchain/actionlint-<version>/bin, so it never forces a Pulumi rebuild.
#
# Usage: tools/toolchain/build.sh [--with-actionlint] [--print-env] [--quiet]
#   --print-env   print `export` lines (PATH, PULUMI_HOME, ...) for `eval` instead of the summary
#   --quiet       no progress on a warm run (errors are always printed)
set -euo pipefail

toolchain_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.sh
source "$toolchain_dir/versions.sh"

with_actionlint=false
print_env=false
quiet=false
for arg in "$@"; do
    case "$arg" in
        --with-actionlint) with_actionlint=true ;;
        --print-env) print_env=true ;;
        --quiet) quiet=true ;;
        *)
            echo "build.sh: unknown argument '$arg' (allowed: --with-actionlint, --print-env, --quiet)" >&2
            exit 2
            ;;
    esac
done

# Progress goes to stderr so that --print-env's stdout stays eval-able.
say() { if [[ "$quiet" == false ]]; then echo "toolchain: $*" >&2; fi; }
fail() { echo "toolchain: $*" >&2; exit 1; }

command -v go >/dev/null || fail "go is not on PATH; the toolchain is built from Go modules (Go >= 1.25)"
command -v node >/dev/null || fail "node is not on PATH; the language host and launchers run Node.js programs"

cache_root="${VSEKAI_CACHE:-$HOME/.cache/vsekai-infra}/toolchain"
sources_hash="$(
    cd "$toolchain_dir" &&
        find versions.sh go launchers -type f ! -name '*.md' -print0 | LC_ALL=C sort -z |
        xargs -0 sha256sum | sha256sum | cut -c1-12
)"
key="pulumi-v${PULUMI_VERSION}-kubernetes-v${KUBERNETES_PROVIDER_VERSION}-${sources_hash}"
home="$cache_root/$key"
bin="$home/bin"
actionlint_home="$cache_root/actionlint-${ACTIONLINT_VERSION}"
actionlint_bin="$actionlint_home/bin"

# A `pulumi` already on PATH at the pinned version is used instead of building one. Its own bundled
# plugins (language host, launchers) then come first on PATH; ours only fill the gaps.
ambient_pulumi=""
if existing="$(command -v pulumi 2>/dev/null)" && [[ "$existing" != "$cache_root"/* ]]; then
    if [[ "$("$existing" version 2>/dev/null)" == "v${PULUMI_VERSION}" ]]; then
        ambient_pulumi="$existing"
    fi
fi

print_exports() {
    local path_line
    if [[ -n "$ambient_pulumi" ]]; then
        path_line="export PATH=\"\$PATH:$bin\""
    else
        path_line="export PATH=\"$bin:\$PATH\""
    fi
    cat <<EOF
$path_line
export PULUMI_HOME="$home/pulumi-home"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export VSEKAI_TOOLCHAIN_BIN="$bin"
EOF
    if [[ -x "$actionlint_bin/actionlint" ]]; then
        echo "export PATH=\"$actionlint_bin:\$PATH\""
    fi
}

# A warm toolchain: the stamp is written last, and every binary still answers with its pinned version.
warm_ok() {
    [[ -f "$home/.complete" ]] || return 1
    if [[ -z "$ambient_pulumi" ]]; then
        [[ "$("$bin/pulumi" version 2>/dev/null)" == "v${PULUMI_VERSION}" ]] || return 1
    fi
    [[ "$("$bin/pulumi-language-nodejs" --version 2>/dev/null)" == "v${PULUMI_VERSION}" ]] || return 1
    # The provider has no --version flag; its stamped version string must be in the binary.
    grep -aqF "$KUBERNETES_PROVIDER_VERSION" "$bin/pulumi-resource-kubernetes" || return 1
    return 0
}

actionlint_warm() {
    [[ -f "$actionlint_home/.complete" && -x "$actionlint_bin/actionlint" ]] &&
        "$actionlint_bin/actionlint" -version >/dev/null 2>&1
}

finish() {
    if [[ "$print_env" == true ]]; then
        print_exports
    else
        say "ready in $bin"
        say "use it with: eval \"\$(tools/toolchain/build.sh --print-env)\"  (or: source tools/toolchain/env.sh)"
    fi
}

pulumi_warm=false
if warm_ok; then pulumi_warm=true; fi
need_actionlint=false
if [[ "$with_actionlint" == true ]] && ! actionlint_warm; then need_actionlint=true; fi

if [[ "$pulumi_warm" == true && "$need_actionlint" == false ]]; then
    if [[ -n "$ambient_pulumi" ]]; then say "using pulumi v${PULUMI_VERSION} from PATH: $ambient_pulumi"; fi
    say "warm: $key"
    if [[ "$with_actionlint" == true ]]; then say "warm: actionlint-${ACTIONLINT_VERSION}"; fi
    finish
    exit 0
fi

# ---- cold build -----------------------------------------------------------------------------------------
started=$SECONDS
mkdir -p "$cache_root"
stage="$(mktemp -d "$cache_root/.stage.XXXXXX")"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/logs" "$stage/src" "$stage/pulumi-home"
# Build from copies so that `go` (with -mod=mod) may complete go.sum or write generated files without
# touching the repository.
cp -R "$toolchain_dir/go/." "$stage/src/"

export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0
go_build=(go build -p 2 -trimpath)
total_steps=0
if [[ "$pulumi_warm" == false ]]; then total_steps=5; fi
if [[ "$need_actionlint" == true ]]; then total_steps=$((total_steps + 1)); fi
step_number=0

# step <title> <command...>: runs the command with its output in a log, and on failure names the step and
# shows the end of that log.
step() {
    local title="$1"
    shift
    step_number=$((step_number + 1))
    local log
    log="$stage/logs/$(printf '%02d' "$step_number")-${title//[^a-zA-Z0-9]/-}.log"
    local step_started=$SECONDS
    echo "toolchain: [$step_number/$total_steps] $title ..." >&2
    # A subshell, so that a step's `cd` or `exit` stays inside it.
    if ! ("$@") >"$log" 2>&1; then
        echo "toolchain: FAILED at step $step_number/$total_steps: $title (after $((SECONDS - step_started))s)" >&2
        # Keep the log of a failed step for a look; the stage itself is removed on exit.
        mkdir -p "$cache_root/failed-logs"
        cp "$log" "$cache_root/failed-logs/"
        echo "toolchain: last lines of its log ($cache_root/failed-logs/$(basename "$log")):" >&2
        tail -n 30 "$log" | sed 's/^/    /' >&2
        exit 1
    fi
    echo "toolchain: [$step_number/$total_steps] $title done in $((SECONDS - step_started))s" >&2
}

pulumi_ldflags="-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v${PULUMI_VERSION}"
k8s_ldflags="-X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=${KUBERNETES_PROVIDER_VERSION}"

download_modules() {
    (cd "$stage/src/pulumi" && go mod download -x) &&
        (cd "$stage/src/kubernetes" && go mod download -x)
}

build_pulumi_cli() {
    if [[ -n "$ambient_pulumi" ]]; then
        echo "using pulumi v${PULUMI_VERSION} from PATH: $ambient_pulumi; not building one"
        return 0
    fi
    cd "$stage/src/pulumi" &&
        "${go_build[@]}" -ldflags "$pulumi_ldflags" -o "$stage/bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi &&
        "$stage/bin/pulumi" version
}

build_language_host() {
    cd "$stage/src/pulumi" &&
        "${go_build[@]}" -ldflags "$pulumi_ldflags" -o "$stage/bin/pulumi-language-nodejs" ./cmd/pulumi-language-nodejs &&
        "$stage/bin/pulumi-language-nodejs" --version
}

build_kubernetes_provider() {
    cd "$stage/src/kubernetes" || return 1
    local provider_dir
    provider_dir="$(go list -m -f '{{.Dir}}' github.com/pulumi/pulumi-kubernetes/provider/v4)" || return 1
    # What the provider's `go generate` does: embed its schema (with this version) and Terraform mapping.
    go run ./cmd/embed-schema "$provider_dir/cmd/pulumi-resource-kubernetes" ./cmd/pulumi-resource-kubernetes \
        "$KUBERNETES_PROVIDER_VERSION" || return 1
    "${go_build[@]}" -ldflags "$k8s_ldflags" -o "$stage/bin/pulumi-resource-kubernetes" \
        ./cmd/pulumi-resource-kubernetes || return 1
    grep -aqF "$KUBERNETES_PROVIDER_VERSION" "$stage/bin/pulumi-resource-kubernetes"
}

install_launchers() {
    install -m 0755 "$toolchain_dir/launchers/pulumi-resource-pulumi-nodejs" "$stage/bin/"
    install -m 0755 "$toolchain_dir/launchers/pulumi-analyzer-policy-nodejs" "$stage/bin/"
    # The name older engines and Pulumi's own distribution use for the same launcher.
    install -m 0755 "$toolchain_dir/launchers/pulumi-analyzer-policy-nodejs" "$stage/bin/pulumi-analyzer-policy"
    ls -l "$stage/bin"
}

build_actionlint() {
    # actionlint's go.mod has no replace directives, so a plain `go install` at the pinned version works
    # (and -mod=mod is not allowed with pkg@version). It reads its version from the module build info.
    mkdir -p "$stage/actionlint/bin" &&
        GOBIN="$stage/actionlint/bin" GOFLAGS= go install -trimpath -p 2 \
            "github.com/rhysd/actionlint/cmd/actionlint@${ACTIONLINT_VERSION}" &&
        "$stage/actionlint/bin/actionlint" -version
}

if [[ "$pulumi_warm" == false ]]; then
    say "cold build of $key (logs per step; this takes many minutes on 2 cores)"
    step "download Go modules" download_modules
    step "build pulumi CLI v${PULUMI_VERSION}" build_pulumi_cli
    step "build pulumi-language-nodejs" build_language_host
    step "build pulumi-resource-kubernetes ${KUBERNETES_PROVIDER_VERSION}" build_kubernetes_provider
    step "install launchers" install_launchers
fi
if [[ "$need_actionlint" == true ]]; then
    step "build actionlint ${ACTIONLINT_VERSION}" build_actionlint
    date -u +%Y-%m-%dT%H:%M:%SZ >"$stage/actionlint/.complete"
    rm -rf "$actionlint_home"
    mv "$stage/actionlint" "$actionlint_home"
fi
if [[ "$pulumi_warm" == false ]]; then
    # Publish whole: the stamp is written last, and the directory appears under its key in one rename.
    date -u +%Y-%m-%dT%H:%M:%SZ >"$stage/.complete"
    rm -rf "$stage/src" "$stage/actionlint"
    rm -rf "$home"
    mv "$stage" "$home"
fi
trap - EXIT
rm -rf "$stage"
echo "toolchain: cold build finished in $((SECONDS - started))s" >&2
finish
