#!/usr/bin/env bash
# Every test of the project, in the order a failure is cheapest to find: static checks, unit tests with
# Pulumi mocks and the policy pack, the real Pulumi engine, the local Kubernetes cluster, then the dev
# stack brought up for real. Ends with one line: "N passed, N failed[, N skipped]".
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
RESULTS=$(mktemp -d "${TMPDIR:-/tmp}/vsekai-test.XXXXXX")
CHECKS="$RESULTS/checks.txt"
REPORTS=()
: >"$CHECKS"
started=$(date +%s)

stage() { printf '\n==> %s (%ss)\n' "$1" "$(($(date +%s) - started))"; }

# A plain check: runs a command, records pass/fail under a name.
check() {
  local name=$1
  shift
  if "$@"; then
    echo "pass $name" >>"$CHECKS"
  else
    echo "fail $name" >>"$CHECKS"
    echo "FAILED: $name" >&2
  fi
}

# A vitest project; its JSON report is summed at the end (a missing report counts as a failure).
vitest_project() {
  local project=$1
  shift
  local report="$RESULTS/vitest-$project.json"
  REPORTS+=("$report")
  npx vitest run --project "$project" --reporter=default --reporter=json --outputFile.json="$report" "$@"
}

stage "dependencies"
# npm ci only when the lock file changed since the last install: a warm run should take seconds.
lock_hash=$(sha256sum package-lock.json | cut -c1-16)
if [ "$(cat node_modules/.vsekai-lock-hash 2>/dev/null)" = "$lock_hash" ]; then
  echo "node_modules matches package-lock.json ($lock_hash)"
elif npm ci --no-audit --no-fund; then
  echo "$lock_hash" >node_modules/.vsekai-lock-hash
else
  echo "npm ci failed: the lock file or the npm registry is the problem; nothing else can run" >&2
  echo "0 passed, 1 failed"
  exit 1
fi

stage "static checks"
check "typescript (tsc --noEmit, strict)" npx tsc --noEmit -p tsconfig.json
check "eslint" npx eslint .
check "prettier" npx prettier --check .

stage "unit tests (Pulumi mocks, policy pack)"
vitest_project unit

# Heavy stages need a toolchain built from Go modules (cold: tens of minutes on two cores, then cached under
# $VSEKAI_CACHE). A stage that cannot start is one loud failure, never a silent skip.
stage "Pulumi toolchain (CLI, Node.js language host, Kubernetes provider, actionlint)"
if exports=$(bash tools/toolchain/build.sh --with-actionlint --print-env); then
  eval "$exports"
  echo "pass toolchain" >>"$CHECKS"

  stage "GitHub workflows (actionlint)"
  check "actionlint (.github/workflows)" actionlint

  stage "real Pulumi engine: previews with the policy pack, bad config, rendering"
  vitest_project engine
else
  echo "fail toolchain (see the step named above)" >>"$CHECKS"
  echo "FAILED: the Pulumi toolchain could not be built; the real-engine tests did not run" >&2
fi

stage "summary"
npx tsx tools/test/summarize.ts "$CHECKS" "${REPORTS[@]}"
status=$?
echo "(results in $RESULTS, $(($(date +%s) - started))s in all)" >&2
exit $status
