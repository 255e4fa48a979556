#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Builds the dev stack's container images without a registry or a Docker daemon, caches them as image
# archives by version and inputs, and loads them where asked.
#
# usage: tools/images/build.sh [--load auto|containerd|docker|none] [--list] [name…]
#   names: seaweedfs uro-standin postgres-standin (default: all three), and traefik (the local cluster's
#          ingress controller for the HA stack; built only when named, see traefik.sh), prometheus,
#          prometheus-operator and prometheus-config-reloader (the live monitoring test's fixture; built
#          only when named, see monitoring.sh)
#
# Each image is one layer: a minimal root filesystem (our binary or release, Debian's static busybox for
# the scripts that need a shell, the shared libraries ldd lists) packed reproducibly, plus OCI and Docker
# metadata written by oci.ts. The archive is an OCI image layout that also carries Docker's manifest.json,
# so `ctr images import` and `docker load` (20.10 and later) both read it.
#
# Environment:
#   VSEKAI_CACHE               cache root (default $HOME/.cache/vsekai-infra); archives in $VSEKAI_CACHE/images
#   VSEKAI_CONTAINERD_SOCKET   load into this containerd (the local cluster's) with
#                              `ctr -a <socket> -n ${VSEKAI_CONTAINERD_NAMESPACE:-k8s.io} images import`
#   VSEKAI_IMAGES_LOAD         default for --load. auto: containerd when the socket is given, else docker
#                              when a Docker engine answers, else none.
#
# Needs (on Debian bookworm): go (PATH) and the Debian packages of tools/prereqs/packages.sh, which it
# installs when run as root (else it names them).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
# shellcheck source=versions.env
. "$HERE/versions.env"
# shellcheck source=lib/rootfs.sh
. "$HERE/lib/rootfs.sh"
# shellcheck source=traefik.sh
. "$HERE/traefik.sh"
# shellcheck source=monitoring.sh
. "$HERE/monitoring.sh"
# shellcheck source=../prereqs/packages.sh
. "$REPO/tools/prereqs/packages.sh"

CACHE="${VSEKAI_CACHE:-$HOME/.cache/vsekai-infra}/images"
ALL_IMAGES=(seaweedfs uro-standin postgres-standin)
ON_REQUEST_IMAGES=(seaweedfs-rebuild uro-standin-next uro-standin-broken traefik "${MONITORING_IMAGES[@]}")
LOAD="${VSEKAI_IMAGES_LOAD:-auto}"
LIST_ONLY=false

image_ref() {
  case "$1" in
    seaweedfs) echo "$SEAWEEDFS_IMAGE" ;;
    seaweedfs-rebuild) echo "$SEAWEEDFS_REBUILD_IMAGE" ;;
    uro-standin) echo "$URO_STANDIN_IMAGE" ;;
    uro-standin-next) echo "$URO_STANDIN_NEXT_IMAGE" ;;
    uro-standin-broken) echo "$URO_STANDIN_BROKEN_IMAGE" ;;
    postgres-standin) echo "$POSTGRES_STANDIN_IMAGE" ;;
    traefik) echo "$TRAEFIK_IMAGE" ;;
    prometheus) echo "$PROMETHEUS_IMAGE" ;;
    prometheus-operator) echo "$PROMETHEUS_OPERATOR_IMAGE" ;;
    prometheus-config-reloader) echo "$PROMETHEUS_CONFIG_RELOADER_IMAGE" ;;
    *) die "unknown image $1: expected one of ${ALL_IMAGES[*]} ${ON_REQUEST_IMAGES[*]}" ;;
  esac
}

# Installs (as root) or names what is missing, from the project's one list (tools/prereqs/packages.sh).
need_packages() {
  bash "$REPO/tools/prereqs/ensure.sh" --quiet --packages "$*" || die "Debian packages missing for this image (see above)"
}

# What an image is built from, beyond its sources: tool and package versions. Part of the cache key.
toolchain_of() {
  case "$1" in
    seaweedfs | seaweedfs-rebuild) go version; dpkg-query -W busybox-static ca-certificates ;;
    uro-standin | uro-standin-next | uro-standin-broken) dpkg-query -W elixir erlang-base erlang-p1-pgsql busybox-static libssl3 libc6 libtinfo6 ;;
    postgres-standin) dpkg-query -W "postgresql-$POSTGRES_MAJOR" busybox-static libc6 tzdata ;;
    traefik | prometheus | prometheus-operator | prometheus-config-reloader) go version ;;
  esac
}

sources_of() {
  local name="$1"
  printf '%s\n' "$HERE/build.sh" "$HERE/versions.env" "$HERE/oci.ts" "$HERE/lib/rootfs.sh"
  case "$name" in
    uro-standin | uro-standin-next | uro-standin-broken | postgres-standin)
      [[ "$name" == uro-standin* ]] && name=uro-standin
      find "$HERE/$name" -type f ! -path '*/_build/*' ! -path '*/deps/*' ! -name erl_crash.dump | LC_ALL=C sort
      ;;
    traefik) traefik_sources ;;
    seaweedfs | seaweedfs-rebuild) find "$HERE/backup-tools" -type f | LC_ALL=C sort ;;
    prometheus | prometheus-operator | prometheus-config-reloader) monitoring_sources ;;
  esac
}

# sha256 over the inputs' paths (relative) and contents and the toolchain: same inputs, same archive.
cache_key() {
  local name="$1" file
  {
    toolchain_of "$name"
    while read -r file; do
      printf '%s\n' "${file#"$REPO"/}"
      sha256sum <"$file"
    done < <(sources_of "$name")
  } | sha256sum | cut -c1-12
}

archive_path() {
  local name="$1" ref tag
  ref="$(image_ref "$name")"
  tag="${ref##*:}"
  echo "$CACHE/$name-$tag-$(cache_key "$name").tar"
}

# --- seaweedfs --------------------------------------------------------------------------------------
# weed from the pinned module, built inside the module's own directory: its go.mod carries a replace
# directive (go-bip39), which `go install module@version` refuses; building in the module keeps
# upstream's exact go.mod and go.sum. -trimpath and a fixed -ldflags make the binary reproducible.
rootfs_seaweedfs() { seaweedfs_rootfs "$1" "$2" "$SEAWEEDFS_COMMIT"; }
rootfs_seaweedfs_rebuild() { seaweedfs_rootfs "$1" "$2" "$SEAWEEDFS_REBUILD_STAMP"; }

seaweedfs_rootfs() {
  local root="$1" work="$2" stamp="$3" dir
  need_packages "$PREREQS_IMAGE_SEAWEEDFS"
  command -v go >/dev/null || die "go is not on PATH"
  dir="$(go mod download -json "$SEAWEEDFS_MODULE@$SEAWEEDFS_MODULE_VERSION" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')"
  [ -d "$dir" ] || die "go mod download gave no directory for $SEAWEEDFS_MODULE@$SEAWEEDFS_MODULE_VERSION"
  (cd "$dir" && CGO_ENABLED=0 GOFLAGS="-mod=readonly -buildvcs=false" go build -trimpath \
    -ldflags "-s -w -buildid= -X $SEAWEEDFS_MODULE/weed/util/version.COMMIT=$stamp" \
    -o "$work/weed" ./weed)
  file_is_static "$work/weed" || die "weed was linked dynamically; CGO_ENABLED=0 should prevent that"
  # vsekai-backup (backup-tools/): filer.backup's supervising agent and the restore Job's copier, our own
  # small module on the AWS SDK for Go v2 at the versions SeaweedFS requires (already fetched for weed).
  (cd "$HERE/backup-tools" && CGO_ENABLED=0 GOFLAGS="-mod=readonly -buildvcs=false" go build -trimpath \
    -ldflags "-s -w -buildid=" -o "$work/vsekai-backup" .) || die "backup-tools could not be built (see above)"
  file_is_static "$work/vsekai-backup" || die "vsekai-backup was linked dynamically"

  rootfs_base "$root" "seaweedfs:$APP_UID"
  rootfs_busybox "$root" sh awk cat echo grep ls mkdir sleep timeout
  rootfs_ca_bundle "$root"
  install -m 0755 "$work/weed" "$root/usr/bin/weed"
  install -m 0755 "$work/vsekai-backup" "$root/usr/bin/vsekai-backup"
  # /data is where the servers keep volumes and raft state (a PVC in the cluster); /etc/seaweedfs takes
  # the filer.toml and S3 identities mounts.
  mkdir -p "$root/data" "$root/etc/seaweedfs"
  chown "$APP_UID:$APP_UID" "$root/data"

  IMAGE_ARGS=(--entrypoint '["/usr/bin/weed"]' --cmd '["version"]' --user "$APP_UID:$APP_UID"
    --workdir /data --env PATH=/usr/bin:/bin --env HOME=/tmp
    --port 9333/tcp --port 19333/tcp --port 8080/tcp --port 18080/tcp --port 8888/tcp --port 18888/tcp
    --port 8333/tcp
    --label "org.opencontainers.image.title=seaweedfs"
    --label "org.opencontainers.image.version=$SEAWEEDFS_VERSION"
    --label "org.opencontainers.image.revision=$stamp"
    --label "org.opencontainers.image.source=$SEAWEEDFS_MODULE@$SEAWEEDFS_MODULE_VERSION")
}

# --- uro-standin ------------------------------------------------------------------------------------
# `mix release` with Debian's Elixir, offline (no hex), ERTS included; the release's ELF files bring
# their libraries (libc, libtinfo, libcrypto for :crypto, …). Built from a copy of the sources at a fixed
# path so the compiled files do not depend on where the repository is checked out.
# The release version (and, for the failing-migration fixture, its broken step) is given to mix here.
rootfs_uro_standin() { uro_standin_release "$1" "$2" "$URO_STANDIN_VERSION" 0; }
rootfs_uro_standin_next() { uro_standin_release "$1" "$2" "$URO_STANDIN_NEXT_VERSION" 0; }
rootfs_uro_standin_broken() { uro_standin_release "$1" "$2" "$URO_STANDIN_BROKEN_VERSION" 1; }

uro_standin_release() {
  local root="$1" work="$2" version="$3" failing="$4" src="$CACHE/build/uro-standin" elves
  need_packages "$PREREQS_IMAGE_URO_STANDIN"

  rm -rf "$src" && mkdir -p "$src"
  (cd "$HERE/uro-standin" && tar --exclude=./_build --exclude=./deps -cf - .) | tar -xf - -C "$src"
  (cd "$src" && MIX_ENV=prod SOURCE_DATE_EPOCH=0 URO_STANDIN_RELEASE_VERSION="$version" \
    URO_STANDIN_FAILING_MIGRATION="$failing" mix release --overwrite --quiet --path "$work/release")
  [ -d "$work/release/releases/$version" ] ||
    die "the uro stand-in's release has no version $version (releases/: $(ls "$work/release/releases" | tr '\n' ' '))"

  rootfs_base "$root" "app:$APP_UID"
  rootfs_busybox "$root" sh awk basename cat cut date dd dirname echo grep head ls mkdir od readlink rm \
    sed sleep tr uname
  mkdir -p "$root/app"
  cp -a "$work/release/." "$root/app/"
  chown -R 0:0 "$root/app"
  # The release's executables and NIFs bring their libraries; the files themselves are already in /app.
  mapfile -t elves < <(find "$root/app" -type f \( -perm -u+x -o -name '*.so' \) | LC_ALL=C sort)
  rootfs_libs "$root" "${elves[@]}"

  IMAGE_ARGS=(--cmd '["/app/bin/server"]' --user "$APP_UID:$APP_UID" --workdir /app
    --env PATH=/app/bin:/usr/bin:/bin --env LANG=C.UTF-8 --env MIX_ENV=prod --env HOME=/tmp
    --env RELEASE_TMP=/tmp --env ERL_CRASH_DUMP=/tmp/erl_crash.dump
    --port 4000/tcp --port 4001/tcp
    --label "org.opencontainers.image.title=uro-standin"
    --label "org.opencontainers.image.description=A stand-in for V-Sekai's uro (not uro itself)"
    --label "org.opencontainers.image.version=$version")
}

# --- postgres-standin -------------------------------------------------------------------------------
# Debian's PostgreSQL server with its libraries, share files and time zones, and an entrypoint that
# initialises the data directory on first start. llvmjit is left out: it would bring all of LLVM.
rootfs_postgres_standin() {
  local root="$1" _work="$2" bin="/usr/lib/postgresql/$POSTGRES_MAJOR/bin" lib="/usr/lib/postgresql/$POSTGRES_MAJOR/lib"
  need_packages "$PREREQS_IMAGE_POSTGRES_STANDIN"

  rootfs_base "$root" "postgres:$POSTGRES_UID"
  rootfs_busybox "$root" sh cat echo grep ls mkdir mktemp printf rm sed chmod id
  rootfs_copy "$root" "$bin/postgres" "$bin/initdb" "$bin/pg_ctl" "$bin/pg_isready" "$bin/psql"
  local modules
  mapfile -t modules < <(find "$lib" -maxdepth 1 -name '*.so' ! -name 'llvmjit*' | LC_ALL=C sort)
  rootfs_copy "$root" "${modules[@]}"
  mkdir -p "$root/usr/share/postgresql"
  cp -a "/usr/share/postgresql/$POSTGRES_MAJOR" "$root/usr/share/postgresql/"
  cp -a /usr/share/zoneinfo "$root/usr/share/"
  install -m 0755 "$HERE/postgres-standin/entrypoint.sh" "$root/usr/bin/postgres-standin"
  mkdir -p "$root/var/lib/postgresql" "$root/var/run/postgresql"
  chown "$POSTGRES_UID:$POSTGRES_UID" "$root/var/lib/postgresql" "$root/var/run/postgresql"

  IMAGE_ARGS=(--entrypoint '["/usr/bin/postgres-standin"]' --user "$POSTGRES_UID:$POSTGRES_UID"
    --workdir /var/lib/postgresql
    --env "PATH=$bin:/usr/bin:/bin" --env PGDATA=/var/lib/postgresql/data --env LANG=C.UTF-8 --env TZ=UTC
    --port 5432/tcp
    --label "org.opencontainers.image.title=postgres-standin"
    --label "org.opencontainers.image.description=Debian's PostgreSQL $POSTGRES_MAJOR for vsekai-infra's offline dev stack")
}

build_image() {
  local name="$1" ref out work started
  ref="$(image_ref "$name")"
  out="$(archive_path "$name")"
  if [ -f "$out" ]; then
    echo "images: $ref is cached: $out"
    return 0
  fi
  started=$(date +%s)
  mkdir -p "$CACHE"
  work="$(mktemp -d "$CACHE/.work-$name.XXXXXX")"
  # shellcheck disable=SC2064 # expand now: the trap must remove this build's directory
  trap "rm -rf '$work'" EXIT
  mkdir -p "$work/rootfs" "$work/layout"
  IMAGE_ARGS=()
  echo "images: building $ref"
  "rootfs_${name//-/_}" "$work/rootfs" "$work"
  rootfs_pack "$work/rootfs" "$work/layer.tar"
  # node --import tsx (the repo's dev dependency) rather than npx: it needs no node_modules/.bin link.
  (cd "$REPO" && node --import tsx "$HERE/oci.ts" --layer "$work/layer.tar" --out "$work/layout" \
    --ref "$ref" "${IMAGE_ARGS[@]}") >"$work/manifest-digest"
  (cd "$work/layout" && find . -mindepth 1 | sed 's|^\./||' | LC_ALL=C sort) >"$work/entries"
  tar --create --file "$out.tmp" --directory "$work/layout" --no-recursion --files-from "$work/entries" \
    --mtime=@0 --owner=0 --group=0 --numeric-owner --format=posix \
    --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime
  mv "$out.tmp" "$out"
  # Archives of older inputs for the same image are never used again.
  # Tags start with a digit, so "prometheus-[0-9]*" spares prometheus-operator's archives.
  find "$CACHE" -maxdepth 1 -name "$name-[0-9]*.tar" ! -path "$out" -delete
  echo "images: built $ref in $(($(date +%s) - started))s: $out ($(du -h "$out" | cut -f1), manifest $(cat "$work/manifest-digest"))"
  rm -rf "$work"
  trap - EXIT
}

resolve_load() {
  case "$LOAD" in
    auto)
      if [ -n "${VSEKAI_CONTAINERD_SOCKET:-}" ]; then
        echo containerd
      elif command -v docker >/dev/null && docker info >/dev/null 2>&1; then
        echo docker
      else
        echo none
      fi
      ;;
    containerd | docker | none) echo "$LOAD" ;;
    *) die "--load $LOAD is not allowed: expected auto, containerd, docker or none" ;;
  esac
}

load_image() {
  local name="$1" how="$2" out ref
  out="$(archive_path "$name")"
  ref="$(image_ref "$name")"
  case "$how" in
    containerd)
      [ -S "${VSEKAI_CONTAINERD_SOCKET:-}" ] ||
        die "VSEKAI_CONTAINERD_SOCKET=${VSEKAI_CONTAINERD_SOCKET:-} is not a socket"
      ctr -a "$VSEKAI_CONTAINERD_SOCKET" -n "${VSEKAI_CONTAINERD_NAMESPACE:-k8s.io}" images import "$out" >/dev/null
      echo "images: loaded $ref into containerd at $VSEKAI_CONTAINERD_SOCKET (namespace ${VSEKAI_CONTAINERD_NAMESPACE:-k8s.io})"
      ;;
    docker)
      docker load --input "$out" >/dev/null
      echo "images: loaded $ref into docker"
      ;;
    none) ;;
  esac
}

main() {
  local names=() name how started
  while [ $# -gt 0 ]; do
    case "$1" in
      --load)
        [ $# -ge 2 ] || die "--load needs a value: auto, containerd, docker or none"
        LOAD="$2"
        shift 2
        ;;
      --list) LIST_ONLY=true && shift ;;
      -h | --help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//' && exit 0 ;;
      -*) die "unknown option $1 (see --help)" ;;
      *) image_ref "$1" >/dev/null && names+=("$1") && shift ;;
    esac
  done
  [ ${#names[@]} -gt 0 ] || names=("${ALL_IMAGES[@]}")
  if $LIST_ONLY; then
    for name in "${names[@]}"; do printf '%s\t%s\t%s\n' "$name" "$(image_ref "$name")" "$(archive_path "$name")"; done
    return 0
  fi
  how="$(resolve_load)"
  started=$(date +%s)
  for name in "${names[@]}"; do build_image "$name"; done
  for name in "${names[@]}"; do load_image "$name" "$how"; done
  echo "images: ${names[*]} ready in $(($(date +%s) - started))s (load: $how)"
}

main "$@"
