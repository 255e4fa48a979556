#!/usr/bin/env bash
# The monitoring images: Prometheus, the Prometheus Operator and its config reloader, which the live
# monitoring test runs on the local cluster (tools/stack/monitoring-fixture.ts), a test-harness fixture and
# not a product image. Sourced by build.sh, which names them `prometheus`, `prometheus-operator` and
# `prometheus-config-reloader` and builds them only when asked: the dev stack does not need them.
#
# The binaries come from tools/monitoring/build.sh (Prometheus and the Operator from their Go modules,
# cached and reused); all are static, so each image is one file where the Operator expects it, /etc/passwd
# with the numeric user (nobody, as upstream's images run), and the directories the Operator mounts into.
# No shell: the probes the Operator writes are HTTP.

MONITORING_DIR="$REPO/tools/monitoring"
MONITORING_IMAGES=(prometheus prometheus-operator prometheus-config-reloader)

# What the images are made of beyond build.sh's own inputs: the pins and the Operator's wrapper module.
monitoring_sources() {
  printf '%s\n' "$HERE/monitoring.sh"
  find "$MONITORING_DIR" -type f ! -name '*.md' | LC_ALL=C sort
}

# monitoring_binary NAME: the path of NAME's binary, built or reused by tools/monitoring/build.sh (the
# Operator's images do not wait for the Prometheus server's build, nor Prometheus' for the Operator's).
monitoring_binary() {
  local env flags=()
  case "$1" in
    prometheus) flags=(--print-env --quiet) ;;
    *) flags=(--promtool-only --with-operator --print-env --quiet) ;;
  esac
  env="$(bash "$MONITORING_DIR/build.sh" "${flags[@]}")" || die "$1 could not be built (tools/monitoring/build.sh, see above)"
  eval "$env"
  case "$1" in
    prometheus) echo "$VSEKAI_MONITORING_BIN/prometheus" ;;
    prometheus-operator) echo "$VSEKAI_OPERATOR_BIN/operator" ;;
    prometheus-config-reloader) echo "$VSEKAI_OPERATOR_BIN/prometheus-config-reloader" ;;
  esac
}

# rootfs_monitoring NAME ROOT WORK: the one binary at /bin/<what the Operator runs>, owned by root.
rootfs_monitoring() {
  local name="$1" root="$2" work="$3" binary release source entry
  # shellcheck source=../monitoring/versions.sh
  . "$MONITORING_DIR/versions.sh"
  if [ "$name" = prometheus ]; then
    release="$PROMETHEUS_VERSION" source="$PROMETHEUS_MODULE@$PROMETHEUS_MODULE_VERSION"
  else
    release="${PROMETHEUS_OPERATOR_VERSION#v}" source="$PROMETHEUS_OPERATOR_MODULE@$PROMETHEUS_OPERATOR_VERSION"
  fi
  # The tag must be the release the binary was built as: the Operator reads Prometheus' tag to choose the
  # flags it passes, and a user reads them all as what runs.
  [ "$(image_ref "$name" | sed 's/.*://')" = "$release" ] ||
    die "versions.env says $(image_ref "$name") but tools/monitoring/versions.sh builds $name $release: make the tag $release"
  binary="$(monitoring_binary "$name")"
  file_is_static "$binary" || die "$binary was linked dynamically; CGO_ENABLED=0 should prevent that"
  install -m 0755 "$binary" "$work/$name"

  # Only nobody (65534, which rootfs_base always writes), as upstream's images run.
  rootfs_base "$root" ""
  case "$name" in
    prometheus) entry=/bin/prometheus ;;
    prometheus-operator) entry=/bin/operator ;;
    # The Operator starts the sidecar and init container with this command (pkg/operator/config_reloader.go).
    prometheus-config-reloader) entry=/bin/prometheus-config-reloader ;;
  esac
  install -m 0755 "$work/$name" "$root/usr$entry"

  IMAGE_ARGS=(--entrypoint "[\"$entry\"]" --user "$MONITORING_UID:$MONITORING_UID" --env PATH=/usr/bin
    --label "org.opencontainers.image.title=$name"
    --label "org.opencontainers.image.description=$name for the live monitoring test on the local cluster (a vsekai-infra test fixture)"
    --label "org.opencontainers.image.version=$release"
    --label "org.opencontainers.image.source=$source")
  if [ "$name" = prometheus ]; then
    # Where the Operator mounts the TSDB volume and the generated configuration and rules.
    mkdir -p "$root/prometheus" "$root/etc/prometheus"
    chown "$MONITORING_UID:$MONITORING_UID" "$root/prometheus"
    IMAGE_ARGS+=(--workdir /prometheus --port 9090/tcp)
  else
    IMAGE_ARGS+=(--workdir /tmp --port 8080/tcp)
  fi
}

rootfs_prometheus() { rootfs_monitoring prometheus "$@"; }
rootfs_prometheus_operator() { rootfs_monitoring prometheus-operator "$@"; }
rootfs_prometheus_config_reloader() { rootfs_monitoring prometheus-config-reloader "$@"; }
