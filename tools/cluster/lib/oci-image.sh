#!/usr/bin/env bash
# Packs a root filesystem directory into a single-layer image tarball in the docker-archive format that
# `ctr images import` (and `docker load`) read, without a Docker engine or registry. The tarball is
# reproducible: files are sorted, owned by 0:0 and dated at the epoch, so the same rootfs gives the same digest.
# usage: oci-image.sh <rootfs-dir> <image-ref> <out.tar> <entrypoint-json> [user] [cmd-json]
#   e.g. oci-image.sh ./root registry.vsekai.local/pause:3.10 pause.tar '["/pause"]' 65535:65535
set -euo pipefail
rootfs="$1" ref="$2" out="$3" entrypoint="$4" user="${5:-}" cmd="${6:-null}"
[ -d "$rootfs" ] || { echo "oci-image: rootfs $rootfs is not a directory" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

tar --create --file "$work/layer.tar" --directory "$rootfs" --sort=name --mtime=@0 \
  --owner=0 --group=0 --numeric-owner --format=posix --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime .
layer_digest="$(sha256sum "$work/layer.tar" | cut -d' ' -f1)"
mkdir "$work/$layer_digest"
mv "$work/layer.tar" "$work/$layer_digest/layer.tar"

cat >"$work/config.json" <<JSON
{"architecture":"amd64","os":"linux","created":"1970-01-01T00:00:00Z",
 "config":{"Entrypoint":$entrypoint,"Cmd":$cmd,"User":"$user","Env":["PATH=/bin:/usr/bin:/sbin:/usr/sbin"],"WorkingDir":"/"},
 "rootfs":{"type":"layers","diff_ids":["sha256:$layer_digest"]},
 "history":[{"created":"1970-01-01T00:00:00Z","created_by":"tools/cluster/lib/oci-image.sh"}]}
JSON
config_digest="$(sha256sum "$work/config.json" | cut -d' ' -f1)"
mv "$work/config.json" "$work/$config_digest.json"
printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar"]}]\n' \
  "$config_digest" "$ref" "$layer_digest" >"$work/manifest.json"
tar --create --file "$out.tmp" --directory "$work" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
  manifest.json "$config_digest.json" "$layer_digest"
mv "$out.tmp" "$out"
