# shellcheck shell=bash
# The Debian packages the project's own scripts need, in one place, by purpose. Sourced by
# tools/prereqs/ensure.sh (which installs what is missing), tools/cluster/cluster.sh and tools/images/build.sh.
# shellcheck source=tools/images/versions.env
. "$(dirname "${BASH_SOURCE[0]}")/../images/versions.env" # POSTGRES_MAJOR: the server the stand-in copies

# Go and Node.js are not in these lists: the machine provides them (Debian's golang is too old for the
# Kubernetes and Pulumi modules), and ensure.sh checks their versions instead.

# The local cluster: container runtime, CNI plugins, etcd, the iptables tools kube-proxy and kube-router call,
# the PKI (openssl), the pause image (a static C binary), and the host tools cluster.sh itself runs.
PREREQS_CLUSTER="containerd runc containernetworking-plugins etcd-server iptables ipset conntrack socat busybox-static openssl gcc libc6-dev curl iproute2"

# One list per image tools/images/build.sh makes; the uro stand-in is a `mix release` with Debian's Elixir and
# Erlang (offline: no hex), the PostgreSQL stand-in copies Debian's server.
# ca-certificates: weed's filer.backup and the restore Job's copier (vsekai-backup) reach https targets.
PREREQS_IMAGE_SEAWEEDFS="busybox-static ca-certificates"
PREREQS_IMAGE_URO_STANDIN="elixir erlang-base erlang-dev erlang-p1-pgsql erlang-inets erlang-ssl erlang-crypto erlang-public-key erlang-asn1 busybox-static"
PREREQS_IMAGE_POSTGRES_STANDIN="postgresql-$POSTGRES_MAJOR busybox-static tzdata"
PREREQS_IMAGES="$PREREQS_IMAGE_SEAWEEDFS $PREREQS_IMAGE_URO_STANDIN $PREREQS_IMAGE_POSTGRES_STANDIN"

# What only the tests use beyond the above: debootstrap, for the check that these lists suffice on a fresh root.
PREREQS_TESTS="debootstrap"

# The groups ensure.sh knows, and what each README command needs.
prereq_group() {
  case "$1" in
    cluster) echo "$PREREQS_CLUSTER" ;;
    images) echo "$PREREQS_IMAGES" ;;
    tests) echo "$PREREQS_TESTS" ;;
    *) return 1 ;;
  esac
}
PREREQ_GROUPS="cluster images tests"
