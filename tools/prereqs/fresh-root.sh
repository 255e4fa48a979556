#!/usr/bin/env bash
# Proves that the lists in tools/prereqs/packages.sh are enough on a machine that has none of them, instead of
# trusting this machine, where packages installed by hand hide a missing line. In a fresh Debian root
# (debootstrap --variant=minbase, the suite this host runs):
#   1. `ensure.sh --check` refuses at once and names what is missing;
#   2. `ensure.sh` installs every group from the mirror, and `--check` is then satisfied;
#   3. what the scripts run from those packages works there: the cluster's binaries answer, the pause image's
#      static C build links, and the uro stand-in's offline `mix release` builds (the step issue 9 saw fail).
# Go and Node.js are the machine's own (not Debian's) and are not part of this check.
#
# usage: tools/prereqs/fresh-root.sh          (root; installs debootstrap through ensure.sh if missing)
# The minbase root and the downloaded .debs are cached in $VSEKAI_CACHE/prereqs; the root it tests is new each run.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
CACHE="${VSEKAI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vsekai-infra}/prereqs"
GROUPS_TESTED="cluster images tests"
die() { echo "fresh-root: $*" >&2; exit 1; }
say() { echo "fresh-root: $*" >&2; }

[ "$(id -u)" = 0 ] || die "needs root (debootstrap and chroot)"
bash "$HERE/ensure.sh" --quiet tests || die "debootstrap could not be installed"
. /etc/os-release
suite="${VERSION_CODENAME:?no VERSION_CODENAME in /etc/os-release}"
mirror="$(awk '/^URIs: */ { sub(/^URIs: */, ""); print; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)"
mirror="${mirror:-http://deb.debian.org/debian}"

mkdir -p "$CACHE/archives/partial"
base="$CACHE/minbase-$suite.tar"
started=$(date +%s)
if [ ! -s "$base" ]; then
  say "debootstrap --variant=minbase $suite from $mirror (once; cached as $base)"
  scratch="$(mktemp -d "$CACHE/debootstrap.XXXXXX")"
  if ! debootstrap --variant=minbase "$suite" "$scratch" "$mirror" >"$CACHE/debootstrap.log" 2>&1; then
    tail -n 20 "$CACHE/debootstrap.log" >&2
    rm -rf "$scratch"
    die "debootstrap failed (log: $CACHE/debootstrap.log)"
  fi
  tar -C "$scratch" -cf "$base.tmp" . && mv "$base.tmp" "$base"
  rm -rf "$scratch"
fi

root="$(mktemp -d "${TMPDIR:-/tmp}/vsekai-fresh-root.XXXXXX")"
trap 'rm -rf "$root"' EXIT
tar -C "$root" -xf "$base"
# The same package sources and apt settings as this host, so the root installs what the host would.
rm -f "$root/etc/apt/sources.list"
cp -a /etc/apt/sources.list.d/. "$root/etc/apt/sources.list.d/" 2>/dev/null || true
[ -f /etc/apt/sources.list ] && cp /etc/apt/sources.list "$root/etc/apt/sources.list"
for conf in /etc/apt/apt.conf.d/*; do
  case "$(basename "$conf")" in docker-clean) ;; *) cp "$conf" "$root/etc/apt/apt.conf.d/" ;; esac
done
cp /etc/resolv.conf "$root/etc/resolv.conf"
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d" # no services start inside the root
chmod 0755 "$root/usr/sbin/policy-rc.d"
mkdir -p "$root/src/tools/images" "$root/src/tools/cluster"
cp -a "$HERE" "$root/src/tools/prereqs"
cp "$REPO/tools/images/versions.env" "$root/src/tools/images/"
cp -a "$REPO/tools/cluster/pause" "$root/src/tools/cluster/"
(cd "$REPO/tools/images/uro-standin" && tar --exclude=./_build --exclude=./deps -cf - .) |
  { mkdir -p "$root/src/uro-standin" && tar -xf - -C "$root/src/uro-standin"; }

# Runs a script inside the root, in mount and pid namespaces of its own: /proc, /dev and the .deb cache are
# mounted there and vanish with it.
in_root() {
  unshare --mount --pid --fork --propagation private bash -c '
    set -e
    mount -t proc proc "$1/proc"
    mount --bind /dev "$1/dev"
    mount --bind "$2" "$1/var/cache/apt/archives"
    exec chroot "$1" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 /bin/bash -c "$3"
  ' in-root "$root" "$CACHE/archives" "$1"
}

say "1/3 a fresh root is refused at once, with the missing packages named"
if out="$(in_root "bash /src/tools/prereqs/ensure.sh --check $GROUPS_TESTED" 2>&1)"; then
  die "ensure.sh --check passed in a root that has none of the packages: $out"
fi
grep -q "missing Debian packages: .*elixir" <<<"$out" || die "ensure.sh --check did not name the missing packages: $out"
say "    $(cut -c1-160 <<<"$out")…"

say "2/3 ensure.sh installs every group ($GROUPS_TESTED), then --check is satisfied"
install_started=$(date +%s)
in_root "bash /src/tools/prereqs/ensure.sh $GROUPS_TESTED && bash /src/tools/prereqs/ensure.sh --check $GROUPS_TESTED" ||
  die "ensure.sh could not install the lists into a fresh root (see above)"
say "    installed in $(($(date +%s) - install_started))s"

say "3/3 what the scripts run from those packages works in the root"
in_root '
  set -euo pipefail
  for cmd in containerd runc etcd iptables ipset conntrack socat busybox openssl gcc curl ip debootstrap mix erl; do
    command -v "$cmd" >/dev/null || { echo "missing command: $cmd" >&2; exit 1; }
  done
  containerd --version >/dev/null && runc --version >/dev/null && etcd --version >/dev/null
  iptables --version >/dev/null && openssl version >/dev/null
  [ -x /usr/lib/cni/bridge ] && [ -x /usr/lib/cni/host-local ] && [ -x /usr/lib/cni/loopback ]
  . /src/tools/images/versions.env
  "/usr/lib/postgresql/$POSTGRES_MAJOR/bin/initdb" --version >/dev/null
  gcc -static -O2 -o /tmp/pause /src/tools/cluster/pause/pause.c && ! ldd /tmp/pause >/dev/null 2>&1
  cd /src/uro-standin && MIX_ENV=prod mix release --overwrite --quiet --path /tmp/uro-release >/dev/null
  [ -x /tmp/uro-release/bin/uro_standin ]
' || die "a command from the installed packages failed in the fresh root (see above)"
say "ok: the package lists suffice on a fresh $suite root ($(($(date +%s) - started))s)"
