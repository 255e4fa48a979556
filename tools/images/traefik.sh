#!/usr/bin/env bash
# The traefik image: the local cluster's ingress controller, a test-harness fixture (tools/stack/
# ingress-controller.ts runs it), not a product image. Sourced by build.sh, which names it `traefik`
# and builds it only when asked (`build.sh traefik`): the dev stack does not need it.
#
# The binary comes from tools/ingress/build.sh (Traefik from its Go module, cached and reused); it is static,
# so the image is that file, /etc/passwd with the numeric user, and a sticky /tmp. No shell: the pod's
# probes are HTTP (Traefik's ping endpoint).

INGRESS_DIR="$REPO/tools/ingress"

# What the image is made of beyond build.sh's own inputs: the Traefik pin and the wrapper module.
traefik_sources() {
  printf '%s\n' "$HERE/traefik.sh"
  find "$INGRESS_DIR" -type f ! -name '*.md' | LC_ALL=C sort
}

rootfs_traefik() {
  local root="$1" work="$2" binary
  # shellcheck source=../ingress/versions.sh
  . "$INGRESS_DIR/versions.sh"
  [ "${TRAEFIK_IMAGE##*:}" = "$TRAEFIK_VERSION" ] ||
    die "versions.env says TRAEFIK_IMAGE=$TRAEFIK_IMAGE but tools/ingress/versions.sh builds Traefik $TRAEFIK_VERSION: make the tag $TRAEFIK_VERSION"
  binary="$(bash "$INGRESS_DIR/build.sh" --print-path)" || die "Traefik could not be built (see above)"
  file_is_static "$binary" || die "$binary was linked dynamically; CGO_ENABLED=0 should prevent that"
  install -m 0755 "$binary" "$work/traefik"

  rootfs_base "$root" "traefik:$TRAEFIK_UID"
  install -m 0755 "$work/traefik" "$root/usr/bin/traefik"

  IMAGE_ARGS=(--entrypoint '["/usr/bin/traefik"]' --user "$TRAEFIK_UID:$TRAEFIK_UID" --workdir /tmp
    --env PATH=/usr/bin --env HOME=/tmp
    --port 8000/tcp --port 8443/tcp --port 9000/tcp
    --label "org.opencontainers.image.title=traefik"
    --label "org.opencontainers.image.description=Traefik, the local cluster's ingress controller (a vsekai-infra test fixture)"
    --label "org.opencontainers.image.version=$TRAEFIK_VERSION"
    --label "org.opencontainers.image.source=$TRAEFIK_MODULE@v$TRAEFIK_VERSION")
}
