# A pinned Go build into a cache directory with a stamp: what tools/ingress/build.sh and
# tools/monitoring/build.sh share. Sourced, never run. The caller sets GO_BUILD_LABEL (the prefix of every
# message, e.g. "ingress") and GO_BUILD_QUIET (true: no progress, errors are always printed).
#
# The pattern: a cache key from the pins and the wrapper module's files; a staging directory beside the
# cache entry; the build with its whole output in a log; checks on what was built; then the entry is
# published whole (stamp written last, one rename), so a half-built entry is never taken for a warm one.
# shellcheck shell=bash

GO_BUILD_LABEL="${GO_BUILD_LABEL:-go build}"
GO_BUILD_QUIET="${GO_BUILD_QUIET:-false}"
GO_BUILD_STAGES=()

# Progress and errors go to stderr, so a caller's --print-env or --print-path stdout stays clean.
go_build_say() { if [[ "$GO_BUILD_QUIET" != true ]]; then echo "$GO_BUILD_LABEL: $*" >&2; fi; }
go_build_fail() {
    echo "$GO_BUILD_LABEL: $*" >&2
    exit 1
}

# go_build_require_go WHY: Go on PATH, or a message saying what it is needed for.
go_build_require_go() { command -v go >/dev/null || go_build_fail "go is not on PATH; $1"; }

# go_build_cache_dir PART: where this kind of build keeps its entries.
go_build_cache_dir() { echo "${VSEKAI_CACHE:-$HOME/.cache/vsekai-infra}/$1"; }

# go_build_sources_hash DIR PATH...: 12 hex digits over the files under PATH... (relative to DIR), names and
# contents, in a fixed order: the part of a cache key that changes when a pin or the wrapper module does.
go_build_sources_hash() {
    local dir=$1
    shift
    (cd "$dir" && find "$@" -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-12)
}

go_build_remove_stages() {
    local stage
    for stage in "${GO_BUILD_STAGES[@]}"; do rm -rf "$stage"; done
}

# go_build_stage PARENT: sets GO_BUILD_STAGE to a fresh directory under PARENT (the cache entry's own
# filesystem, so publishing is a rename), removed when the script exits unless it was published.
go_build_stage() {
    mkdir -p "$1"
    GO_BUILD_STAGE="$(mktemp -d "$1/.stage.XXXXXX")"
    GO_BUILD_STAGES+=("$GO_BUILD_STAGE")
    trap go_build_remove_stages EXIT
}

# go_build_logged LOG KEEP_DIR WHAT COMMAND...: runs COMMAND with its output in LOG. On failure it says
# WHAT failed and after how long, copies the log into KEEP_DIR (when the log lives in a stage that is about
# to be removed; empty when LOG is kept anyway), prints the log's last lines, and exits.
go_build_logged() {
    local log=$1 keep_dir=$2 what=$3 started=$SECONDS kept
    shift 3
    if "$@" >"$log" 2>&1; then return 0; fi
    kept="$log"
    if [[ -n "$keep_dir" ]]; then
        mkdir -p "$keep_dir"
        kept="$keep_dir/$(date -u +%Y%m%dT%H%M%SZ)-$(basename "$log")"
        cp "$log" "$kept"
    fi
    echo "$GO_BUILD_LABEL: FAILED: $what (after $((SECONDS - started))s)" >&2
    echo "$GO_BUILD_LABEL: last lines of its log ($kept):" >&2
    tail -n 30 "$log" | sed 's/^/    /' >&2
    exit 1
}

# go_build_wrapper SRC OUT LDFLAGS PACKAGE...: builds PACKAGE... (each binary named after its last path
# element) into the directory OUT from a copy of the wrapper module SRC, so nothing Go writes touches the
# repository. Static, reproducible (-trimpath, no build id), exactly the go.mod/go.sum versions.
go_build_wrapper() {
    local src=$1 out=$2 ldflags=$3 copy
    shift 3
    copy="$(mktemp -d "${GO_BUILD_STAGE:?go_build_stage first}/src.XXXXXX")"
    cp -R "$src/." "$copy/"
    mkdir -p "$out"
    local status=0
    (cd "$copy" && GOTOOLCHAIN=local GOFLAGS="-mod=readonly -buildvcs=false" CGO_ENABLED=0 \
        go build -p 2 -trimpath -ldflags "-s -w -buildid= $ldflags" -o "$out/" "$@") || status=$?
    rm -rf "$copy"
    return $status
}

# go_build_matches_upstream MODULE@VERSION BINARY...: every module compiled into each BINARY is at the
# version MODULE's own go.mod requires, so a wrapper module adds no upgrade of its own (its go.sum also covers tests
# of dependencies, which are not compiled). Prints each upgrade it finds.
go_build_matches_upstream() {
    local module_at=$1 modfile
    shift
    # Outside any module (the stage), where `go mod download` takes module@version as asked.
    modfile="$(cd "${GO_BUILD_STAGE:-/}" && GOFLAGS= GOTOOLCHAIN=local go mod download -json "$module_at" | sed -n 's/^\s*"GoMod": "\(.*\)",$/\1/p')"
    [[ -f "$modfile" ]] || {
        echo "no go.mod for $module_at"
        return 1
    }
    go version -m "$@" | awk -v modfile="$modfile" '
        BEGIN {
            while ((getline line < modfile) > 0) {
                if (line ~ /^exclude/) continue
                n = split(line, f, /[ \t]+/)
                for (i = 1; i < n; i++) if (f[i] ~ /\./ && f[i + 1] ~ /^v[0-9]/) { pinned[f[i]] = f[i + 1]; break }
            }
        }
        $1 == "dep" && ($2 in pinned) && pinned[$2] != $3 { print "upgraded: " $2 " " pinned[$2] " -> " $3; bad = 1 }
        END { exit bad }'
}

# go_build_publish STAGE HOME: the stamp last, then the whole entry in one rename.
go_build_publish() {
    local stage=$1 home=$2 kept=() s
    date -u +%Y-%m-%dT%H:%M:%SZ >"$stage/.complete"
    # mktemp made the stage private; the published entry is as readable as the rest of the cache.
    chmod 755 "$stage"
    rm -rf "$home"
    mv "$stage" "$home"
    for s in "${GO_BUILD_STAGES[@]}"; do [[ "$s" == "$stage" ]] || kept+=("$s"); done
    GO_BUILD_STAGES=("${kept[@]}")
}
