#!/usr/bin/env bash
# Every test of the project, in the order a failure is cheapest to find: static checks, unit tests with
# Pulumi mocks and the policy pack, the real Pulumi engine, the local Kubernetes cluster, then the dev
# stack brought up for real. Ends with one line: "N passed, N failed[, N skipped]".
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
RESULTS=$(mktemp -d "${TMPDIR:-/tmp}/vsekai-test.XXXXXX")
CHECKS="$RESULTS/checks.txt"
# Live suites leave short notes here (<name>.digest.txt) that the summary prints just before its last line.
export VSEKAI_TEST_RESULTS="$RESULTS"
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

# Everything the later stages need is checked, and installed as root, before any long build starts (the one
# list: tools/prereqs/packages.sh). Not root: the live stages are skipped anyway, so only Go and Node.js count.
stage "prerequisites (tools/prereqs)"
prereqs_ok=false
if [ "$(id -u)" = 0 ]; then
  check "prerequisites installed (Go, Node.js, Debian packages)" bash tools/prereqs/ensure.sh toolchain cluster images tests
  [[ "$(tail -n 1 "$CHECKS")" == pass* ]] && prereqs_ok=true
else
  check "prerequisites (Go, Node.js)" bash tools/prereqs/ensure.sh toolchain
fi

# The fresh-root check (tools/prereqs/fresh-root.sh) is mostly apt and dpkg work, so it runs beside the CPU-bound
# stages that follow and is collected before the live stages, its output kept apart until then.
fresh_root_pid=""
if [ "$prereqs_ok" = true ]; then
  timeout 1200 bash tools/prereqs/fresh-root.sh >"$RESULTS/fresh-root.log" 2>&1 &
  fresh_root_pid=$!
fi
wait_fresh_root() {
  [ -n "$fresh_root_pid" ] || return 0
  if wait "$fresh_root_pid"; then
    echo "pass prerequisites suffice on a fresh Debian root (tools/prereqs/fresh-root.sh)" >>"$CHECKS"
  else
    echo "fail prerequisites suffice on a fresh Debian root (tools/prereqs/fresh-root.sh)" >>"$CHECKS"
    echo "FAILED: the package lists do not suffice on a fresh root (see below)" >&2
  fi
  cat "$RESULTS/fresh-root.log"
  fresh_root_pid=""
}

stage "static checks"
check "typescript (tsc --noEmit, strict)" npx tsc --noEmit -p tsconfig.json
check "eslint" npx eslint .
check "prettier" npx prettier --check .

stage "unit tests (Pulumi mocks, policy pack)"
vitest_project unit

# The live stages need root (kubelet, containerd) and, cold, long Go builds (Kubernetes, SeaweedFS). CI has
# 90 minutes: each cold build gets what is left of the budget minus the time the live tests need, and a build
# that does not fit is reported as a loud skip, never a silent pass. Warm (cached) runs take seconds.
budget=${VSEKAI_TEST_BUDGET_SECONDS:-5100}
left() { echo $((budget - ($(date +%s) - started))); }
# Cluster smoke, image test, dev stack, the HA fault scenarios (~11 min warm here), the HA changes (~10 min),
# live monitoring (~5 min) and the backup drill (~5 min).
LIVE_TESTS_SECONDS=3000
# The dev images; the second SeaweedFS build and the two further uro stand-in releases the HA changes roll;
# and Traefik, the HA stack's ingress controller (built only when named).
LIVE_IMAGES=(seaweedfs seaweedfs-rebuild uro-standin uro-standin-next uro-standin-broken postgres-standin traefik)
MONITORING_IMAGES=(prometheus prometheus-operator prometheus-config-reloader)
skip_live() {
  echo "skip live-stack $1" >>"$CHECKS"
  printf '\n*** SKIPPED: the live cluster stages (cluster smoke, images, dev stack up/destroy): %s ***\n' "$1" >&2
}
bounded() { # name seconds command...: runs a build step inside what is left of the budget
  local name=$1 seconds=$2
  shift 2
  if [ "$seconds" -le 60 ]; then return 124; fi
  timeout "$seconds" "$@"
}

# Heavy stages need a toolchain built from Go modules (cold: tens of minutes on two cores, then cached under
# $VSEKAI_CACHE). A stage that cannot start is one loud failure, never a silent skip.
stage "Pulumi toolchain (CLI, Node.js language host, Kubernetes provider, actionlint)"
exports=$(bounded "toolchain" $(($(left) - LIVE_TESTS_SECONDS)) bash tools/toolchain/build.sh --with-actionlint --print-env)
status=$?
if [ $status = 124 ]; then
  echo "skip toolchain the cold toolchain build did not fit in what was left of the test budget" >>"$CHECKS"
  echo "*** SKIPPED: the real-engine tests: the cold toolchain build did not fit in the budget ($(left)s left) ***" >&2
elif [ $status = 0 ]; then
  eval "$exports"
  toolchain_ok=true
  echo "pass toolchain" >>"$CHECKS"

  stage "GitHub workflows (actionlint)"
  check "actionlint (.github/workflows)" actionlint

  stage "real Pulumi engine: previews with the policy pack, bad config, rendering"
  vitest_project engine
else
  echo "fail toolchain (see the step named above)" >>"$CHECKS"
  echo "FAILED: the Pulumi toolchain could not be built; the real-engine tests did not run" >&2
fi

# promtool from the Prometheus Go module (cold: tens of minutes on two cores, then cached like the toolchain)
# and the Prometheus Operator's CRDs from its module (a download, no build).
stage "alert rules, dashboards, Operator objects (promtool, the Operator's CRDs)"
monitoring_exports=$(bounded "promtool" $(($(left) - LIVE_TESTS_SECONDS)) bash tools/monitoring/build.sh --promtool-only --with-operator-crds --print-env)
status=$?
if [ $status = 124 ]; then
  echo "skip monitoring the cold promtool build did not fit in what was left of the test budget" >>"$CHECKS"
  echo "*** SKIPPED: the alert-rule and dashboard tests: the cold promtool build did not fit ($(left)s left) ***" >&2
elif [ $status = 0 ]; then
  eval "$monitoring_exports"
  vitest_project monitoring
else
  echo "fail promtool (tools/monitoring/build.sh, see above)" >>"$CHECKS"
  echo "FAILED: promtool could not be built; the alert-rule and dashboard tests did not run" >&2
fi

stage "local Kubernetes cluster and images (built from Go modules and Debian packages)"
live=false
if [ "${toolchain_ok:-false}" != true ]; then
  skip_live "no Pulumi toolchain (see the toolchain stage above)"
elif [ "$(id -u)" != 0 ]; then
  skip_live "not root: kubelet and containerd need root (run npm test as root to include them)"
elif [ "$prereqs_ok" != true ]; then
  skip_live "the Debian packages for the cluster and the images are missing (see the prerequisites stage)"
else
  stage "prerequisites on a fresh Debian root (started with the unit tests)"
  wait_fresh_root
  bounded "cluster binaries" $(($(left) - LIVE_TESTS_SECONDS)) bash tools/cluster/build.sh
  status=$?
  if [ $status = 124 ]; then
    skip_live "the cold Kubernetes build did not fit in what was left of the test budget ($(left)s); a second run reuses what was built"
  elif [ $status != 0 ]; then
    echo "fail cluster-binaries (tools/cluster/build.sh, see above)" >>"$CHECKS"
  else
    bounded "images" $(($(left) - LIVE_TESTS_SECONDS)) bash tools/images/build.sh --load none "${LIVE_IMAGES[@]}"
    status=$?
    if [ $status = 124 ]; then
      skip_live "the cold SeaweedFS or Traefik build did not fit in what was left of the test budget ($(left)s)"
    elif [ $status != 0 ]; then
      echo "fail images (tools/images/build.sh, see above)" >>"$CHECKS"
    else
      live=true
      # The live monitoring test's Prometheus, Operator and config reloader (cold: the Operator's Go build, and
      # Prometheus' if promtool's stage built only promtool). One that does not fit is a loud skip of that test.
      bounded "monitoring images" $(($(left) - LIVE_TESTS_SECONDS)) \
        bash tools/images/build.sh --load none "${MONITORING_IMAGES[@]}"
      status=$?
      if [ $status = 0 ]; then
        monitoring_images=true
      elif [ $status = 124 ]; then
        echo "skip monitoring-images the cold Prometheus Operator build did not fit in what was left of the test budget" >>"$CHECKS"
        echo "*** SKIPPED: the live monitoring test: the cold Prometheus/Operator build did not fit ($(left)s left); a second run reuses what was built ***" >&2
      else
        echo "fail monitoring-images (tools/images/build.sh ${MONITORING_IMAGES[*]}, see above)" >>"$CHECKS"
      fi
    fi
  fi
fi

if [ "$live" = true ]; then
  stage "local cluster: start, smoke test"
  check "cluster start" bash tools/cluster/cluster.sh start
  eval "$(bash tools/cluster/cluster.sh env)"
  check "images loaded into the cluster" env \
    VSEKAI_CONTAINERD_SOCKET="${VSEKAI_CLUSTER_DIR:-/var/lib/vsekai-cluster}/run/containerd/containerd.sock" \
    bash tools/images/build.sh --load containerd "${LIVE_IMAGES[@]}"
  if [ "${monitoring_images:-false}" = true ]; then
    check "monitoring images loaded into the cluster" env \
      VSEKAI_CONTAINERD_SOCKET="${VSEKAI_CLUSTER_DIR:-/var/lib/vsekai-cluster}/run/containerd/containerd.sock" \
      bash tools/images/build.sh --load containerd "${MONITORING_IMAGES[@]}"
  fi
  vitest_project cluster

  stage "uro stand-in image against a throwaway PostgreSQL and SeaweedFS"
  vitest_project images

  stage "live stacks: the dev stack, the HA stack's faults and changes, monitoring, the backup drill (up, checks, destroy)"
  vitest_project integration

  stage "local cluster: stop"
  check "cluster stop leaves nothing running" bash tools/cluster/cluster.sh stop
fi

wait_fresh_root # when no live stage ran

stage "summary"
npx tsx tools/test/summarize.ts "$CHECKS" "${REPORTS[@]}"
status=$?
echo "(results in $RESULTS, $(($(date +%s) - started))s in all)" >&2
exit $status
