#!/usr/bin/env bash
# Builds the cluster's own images as docker-archive tarballs in $VSEKAI_CACHE/cluster/<k8s version>/images,
# with no registry and no Docker engine: each is one layer holding static binaries.
#   pause    – tools/cluster/pause/pause.c, linked statically with gcc (the pod sandbox image)
#   coredns  – the CoreDNS binary built by build.sh
#   busybox  – Debian's busybox-static with applet links (sh, wget, nc, nslookup, httpd...) for tests
# Prints nothing to stdout; cluster.sh reads the image references from images.env written next to them.
set -euo pipefail
. "$(cd "$(dirname "$0")" && pwd)/lib/common.sh"
mkdir -p "$IMAGE_DIR"
IMAGE_LOG="$IMAGE_DIR/build.log"
: >"$IMAGE_LOG"
pack="$CLUSTER_TOOLS/lib/oci-image.sh"

[ -x /bin/busybox ] || die "images: /bin/busybox is missing; install Debian's busybox-static (cluster.sh start does)."
command -v gcc >/dev/null || die "images: gcc is missing; the pause image is a static C binary (apt-get install gcc libc6-dev)."
[ -x "$BIN_DIR/coredns" ] || die "images: $BIN_DIR/coredns is missing; run tools/cluster/build.sh first."

busybox_version="$(/bin/busybox 2>&1 | sed -n '1s/^BusyBox v\([0-9.]*\).*/\1/p')"
PAUSE_IMAGE="registry.vsekai.local/pause:3.10-vsekai"
COREDNS_IMAGE="registry.vsekai.local/coredns:${COREDNS_VERSION}"
BUSYBOX_IMAGE="registry.vsekai.local/busybox:${busybox_version:-unknown}"

# Rebuilds <name>.tar only when its inputs changed; the stamp holds the hash of the inputs.
build_image() { # name ref inputs-hash builder-function
  local name="$1" ref="$2" hash="$3" builder="$4" stamp="$IMAGE_DIR/$1.stamp"
  if [ -f "$IMAGE_DIR/$name.tar" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$ref $hash" ]; then
    log "images: $ref cached"
    return 0
  fi
  log "images: building $ref"
  local root
  root="$(mktemp -d)"
  step "image $name: assemble rootfs" "$IMAGE_LOG" "$builder" "$root"
  step "image $name: pack tarball" "$IMAGE_LOG" "$pack" "$root" "$ref" "$IMAGE_DIR/$name.tar" "${ENTRYPOINT[@]}"
  rm -rf "$root"
  echo "$ref $hash" >"$stamp"
}

pause_rootfs() {
  gcc -static -Os -s -Wall -Werror -o "$1/pause" "$CLUSTER_TOOLS/pause/pause.c"
}
coredns_rootfs() {
  install -m 0755 "$BIN_DIR/coredns" "$1/coredns"
  mkdir -p "$1/etc/coredns"
}
busybox_rootfs() {
  mkdir -p "$1/bin" "$1/tmp" "$1/etc"
  chmod 1777 "$1/tmp"
  install -m 0755 /bin/busybox "$1/bin/busybox"
  local applet
  for applet in sh ash cat echo env grep head hostname httpd id ip ls mkdir nc nslookup ping printf ps \
    rm seq sleep sort tail tee test timeout touch true false wc wget; do
    ln -s busybox "$1/bin/$applet"
  done
  printf 'root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$1/etc/passwd"
  printf 'root:x:0:\nnobody:x:65534:\n' >"$1/etc/group"
}

ENTRYPOINT=('["/pause"]' 65535:65535)
build_image pause "$PAUSE_IMAGE" "$(inputs_hash "$CLUSTER_TOOLS/pause/pause.c" "$pack")" pause_rootfs
ENTRYPOINT=('["/coredns"]' '' '["-conf","/etc/coredns/Corefile"]')
build_image coredns "$COREDNS_IMAGE" "$(inputs_hash "$BIN_DIR/coredns" "$pack")" coredns_rootfs
ENTRYPOINT=('["/bin/sh"]' '')
build_image busybox "$BUSYBOX_IMAGE" "$(inputs_hash /bin/busybox "$pack")" busybox_rootfs

cat >"$IMAGE_DIR/images.env" <<ENV
PAUSE_IMAGE=$PAUSE_IMAGE
COREDNS_IMAGE=$COREDNS_IMAGE
BUSYBOX_IMAGE=$BUSYBOX_IMAGE
ENV
