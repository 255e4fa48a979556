#!/usr/bin/env bash
# Builds (or reuses) the Traefik proxy pinned in versions.sh from the Go module proxy, through the wrapper
# module go/traefik (Traefik's replace directives only count in the main module), into
# ${VSEKAI_CACHE:-$HOME/.cache/vsekai-infra}/ingress/traefik-v<version>-<sources hash>/bin/traefik.
# The key covers the pin and the wrapper's go.mod/go.sum, so a change to either builds a new directory; a
# finished one (stamp written last, binary answering with the pinned version) is reused at once.
# The log of the last cold build is kept next to the binary (logs/build.log), a failed one under
# ingress/failed-logs/.
#
# Usage: tools/ingress/build.sh [--print-path] [--quiet]
#   --print-path   print only the binary's path on stdout (for other scripts)
#   --quiet        no progress on a warm run (errors are always printed)
set -euo pipefail

ingress_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.sh
source "$ingress_dir/versions.sh"
# shellcheck source=../lib/go-build.sh
source "$ingress_dir/../lib/go-build.sh"

print_path=false
quiet=false
for arg in "$@"; do
    case "$arg" in
        --print-path) print_path=true ;;
        --quiet) quiet=true ;;
        *)
            echo "ingress build.sh: unknown argument '$arg' (allowed: --print-path, --quiet)" >&2
            exit 2
            ;;
    esac
done

GO_BUILD_LABEL=ingress
GO_BUILD_QUIET=$quiet

go_build_require_go "Traefik is built from the Go module $TRAEFIK_MODULE (Go >= 1.25)"

cache_root="$(go_build_cache_dir ingress)"
key="traefik-v${TRAEFIK_VERSION}-$(go_build_sources_hash "$ingress_dir" versions.sh go)"
home="$cache_root/$key"
binary="$home/bin/traefik"

# `traefik version` prints "Version:      3.6.12" first; that is the stamp -ldflags wrote.
answers_with_pin() {
    "$1" version 2>/dev/null | awk -v want="$TRAEFIK_VERSION" '$1 == "Version:" { found = ($2 == want) } END { exit !found }'
}

finish() {
    if [[ "$print_path" == true ]]; then
        echo "$binary"
    else
        go_build_say "ready: $binary"
    fi
}

if [[ -f "$home/.complete" ]] && answers_with_pin "$binary"; then
    go_build_say "warm: $key"
    finish
    exit 0
fi

# ---- cold build -----------------------------------------------------------------------------------------
started=$SECONDS
go_build_stage "$cache_root"
stage="$GO_BUILD_STAGE"
mkdir -p "$stage/bin" "$stage/logs"
log="$stage/logs/build.log"
go_build_say "cold build of $key (log: $log, kept as $home/logs/build.log; many minutes on 2 cores)"

go_build_logged "$log" "$cache_root/failed-logs" "building Traefik v$TRAEFIK_VERSION from $ingress_dir/go/traefik" \
    go_build_wrapper "$ingress_dir/go/traefik" "$stage/bin" "-X $TRAEFIK_MODULE/pkg/version.Version=$TRAEFIK_VERSION" \
    "$TRAEFIK_MODULE/cmd/traefik"
go_build_logged "$stage/logs/versions.log" "$cache_root/failed-logs" \
    "checking that Traefik compiled in only the versions its go.mod requires" \
    go_build_matches_upstream "$TRAEFIK_MODULE@v$TRAEFIK_VERSION" "$stage/bin/traefik"
answers_with_pin "$stage/bin/traefik" || go_build_fail "FAILED: the built traefik does not report version $TRAEFIK_VERSION (see $log)"

echo "cold build finished in $((SECONDS - started))s" >>"$log"
go_build_publish "$stage" "$home"
go_build_say "cold build finished in $((SECONDS - started))s"
finish
