#!/usr/bin/env bash
# Helpers for assembling a minimal root filesystem from files on this (Debian bookworm) host, sourced by
# build.sh. Nothing is pulled: binaries come from our builds or Debian packages, and each brings exactly
# the shared libraries ldd says it loads.

# Directories, the merged-/usr layout Debian's binaries expect (/lib64/ld-linux-x86-64.so.2 is the ELF
# interpreter they name), numeric users, and a world-writable /tmp.
# usage: rootfs_base <root> <name>:<uid>[,<name>:<uid>…]
rootfs_base() {
  local root="$1" users="$2" entry name uid
  mkdir -p "$root"/{etc,tmp,usr/bin,usr/sbin,usr/lib/x86_64-linux-gnu,usr/lib64,dev,proc,sys}
  ln -sfn usr/bin "$root/bin"
  ln -sfn usr/sbin "$root/sbin"
  ln -sfn usr/lib "$root/lib"
  ln -sfn usr/lib64 "$root/lib64"
  chmod 1777 "$root/tmp"
  printf 'root:x:0:0:root:/root:/usr/sbin/nologin\n' >"$root/etc/passwd"
  printf 'root:x:0:\n' >"$root/etc/group"
  IFS=, read -ra entries <<<"$users"
  for entry in "${entries[@]}"; do
    name="${entry%%:*}" uid="${entry##*:}"
    printf '%s:x:%s:%s:%s:/tmp:/usr/sbin/nologin\n' "$name" "$uid" "$uid" "$name" >>"$root/etc/passwd"
    printf '%s:x:%s:\n' "$name" "$uid" >>"$root/etc/group"
  done
  printf 'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' >>"$root/etc/passwd"
  printf 'nogroup:x:65534:\n' >>"$root/etc/group"
  # glibc reads this for getaddrinfo; files and dns are built into libc.so.6 since glibc 2.34.
  printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$root/etc/nsswitch.conf"
  printf '127.0.0.1 localhost\n::1 localhost\n' >"$root/etc/hosts"
}

# Debian's CA bundle (ca-certificates), where Go's crypto/x509 looks first, for https backup targets.
rootfs_ca_bundle() {
  local root="$1" bundle=/etc/ssl/certs/ca-certificates.crt
  [ -s "$bundle" ] || die "$bundle is missing: apt-get install ca-certificates"
  install -D -m 0644 "$bundle" "$root$bundle"
}

# Debian's statically linked busybox as /bin/sh and the few tools the images' scripts call (the release
# launcher, the SeaweedFS bucket Job, the PostgreSQL entrypoint): one binary, no libraries.
# usage: rootfs_busybox <root> <applet>…
rootfs_busybox() {
  local root="$1" applet
  shift
  [ -x /bin/busybox ] || die "busybox is missing: apt-get install busybox-static"
  file_is_static /bin/busybox || die "/bin/busybox is not static: apt-get install busybox-static"
  install -m 0755 /bin/busybox "$root/usr/bin/busybox"
  for applet in "$@"; do ln -sfn busybox "$root/usr/bin/$applet"; done
}

file_is_static() {
  ! ldd "$1" >/dev/null 2>&1
}

# Copies each file to the same path under <root> (resolving symlinked directories, so the copy lands in
# /usr/lib for a /lib path), with the shared libraries of the ELF files among them.
# usage: rootfs_copy <root> <file>…
rootfs_copy() {
  local root="$1" file
  shift
  for file in "$@"; do copy_one "$root" "$file"; done
  rootfs_libs "$root" "$@"
}

# Copies into <root> every shared library ldd resolves for the ELF files among <file>… (which may be
# inside <root> already). One ldd run for all of them, few forks per file: a release has hundreds.
# usage: rootfs_libs <root> <file>…
rootfs_libs() {
  local root="$1" file lib out
  shift
  local elves=()
  for file in "$@"; do
    if is_elf "$file"; then elves+=("$file"); fi
  done
  [ ${#elves[@]} -gt 0 ] || return 0
  out="$(ldd "${elves[@]}" 2>&1 || true)"
  if grep -q 'not found' <<<"$out"; then die "libraries missing on this host: $(grep 'not found' <<<"$out" | sort -u)"; fi
  while read -r lib; do copy_one "$root" "$lib"; done < <(
    awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// && $1 !~ /:$/ { print $1 }' <<<"$out" | LC_ALL=C sort -u
  )
}

# The first four bytes, read without forking: 0x7f E L F.
is_elf() {
  local magic=""
  [ -f "$1" ] || return 1
  IFS= LC_ALL=C read -r -d '' -n 4 magic <"$1" || true
  [ "$magic" = $'\x7fELF' ]
}

declare -A RESOLVED_DIRS=()
copy_one() {
  local root="$1" src="$2" dir target
  dir="${src%/*}"
  if [ -z "${RESOLVED_DIRS[$dir]:-}" ]; then RESOLVED_DIRS[$dir]="$(readlink -f "$dir")"; fi
  target="$root${RESOLVED_DIRS[$dir]}/${src##*/}"
  [ -e "$target" ] && return 0
  mkdir -p "${target%/*}"
  cp -L --preserve=mode "$src" "$target"
}

# Packs <root> into an uncompressed, reproducible layer: sorted entries, one date, numeric owners as they
# are on disk (build.sh chowns what a user must own), permissions normalised (no group/other write,
# except where a directory has the sticky bit, as /tmp does).
# usage: rootfs_pack <root> <layer.tar>
rootfs_pack() {
  local root="$1" out="$2"
  find "$root" -mindepth 1 ! -type l ! -perm -1000 -exec chmod go-w,a+rX {} +
  (cd "$root" && find . -mindepth 1 | sed 's|^\./||' | LC_ALL=C sort) >"$out.list"
  tar --create --file "$out" --directory "$root" --no-recursion --files-from "$out.list" \
    --mtime=@0 --numeric-owner --format=posix \
    --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime
  rm -f "$out.list"
}

die() {
  echo "images: $*" >&2
  exit 1
}
