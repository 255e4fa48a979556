#!/usr/bin/env bash
# Prints the toolchain's warm time (cache present) and, with --cold, its cold time: a build into an empty
# toolchain cache and an empty Go build cache (tens of minutes on two cores). Then the no-op preview time
# per stack (tools/bench/preview.ts). Figures only; nothing here passes or fails.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tools/prereqs/ensure.sh toolchain
if [ "${1:-}" = "--cold" ]; then
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' EXIT
  start=$(date +%s)
  VSEKAI_CACHE="$scratch/cache" GOCACHE="$scratch/go-build" bash tools/toolchain/build.sh >/dev/null
  echo "toolchain cold: $(($(date +%s) - start))s (empty toolchain and Go build caches; Go module cache kept)"
fi
start=$(date +%s%N)
eval "$(bash tools/toolchain/build.sh --print-env --quiet)"
echo "toolchain warm: $(((($(date +%s%N) - start) / 1000000)))ms"
node --import tsx tools/bench/preview.ts
