#!/usr/bin/env bash
# A single-node Kubernetes cluster for development and the integration tests, built from Go modules and
# Debian packages only (no registry, no downloads from GitHub).
#
#   tools/cluster/cluster.sh start    build/cached binaries + images, start everything, wait until DNS is up
#   tools/cluster/cluster.sh stop     stop every process it started, unmount pod mounts, remove its iptables
#                                     rules, ipsets, cni0 and node address; keeps data for a fast restart
#   tools/cluster/cluster.sh purge    stop, then delete the state directory (etcd data, PKI, volumes)
#   tools/cluster/cluster.sh status   which components run, node and system pods
#   tools/cluster/cluster.sh env      prints `export KUBECONFIG=...` (eval "$(tools/cluster/cluster.sh env)")
#
# Settings (environment): VSEKAI_CLUSTER_DIR (state, default /var/lib/vsekai-cluster), VSEKAI_CACHE
# (binary/image cache, default ~/.cache/vsekai-infra), VSEKAI_BUILD_JOBS (go build -p, default 2),
# VSEKAI_NODE_IP (address the node and API server advertise, default 10.239.0.1 added to lo).
set -euo pipefail
. "$(cd "$(dirname "$0")" && pwd)/lib/common.sh"
. "$CLUSTER_TOOLS/lib/pki.sh"

# The node's address lives on lo so it exists offline and on any host, and stop can remove it again.
NODE_IP="${VSEKAI_NODE_IP:-10.239.0.1}"
PKI="$STATE_DIR/pki"
RUN="$STATE_DIR/run"
LOGS="$STATE_DIR/logs"
CONTAINERD_SOCK="$RUN/containerd/containerd.sock"
ADMIN_KUBECONFIG="$STATE_DIR/admin.kubeconfig"
PV_COUNT=10
PV_SIZE=20Gi
# Start order; stop goes the other way.
COMPONENTS="etcd kube-apiserver containerd kube-controller-manager kube-scheduler kubelet kube-proxy kube-router reclaimer"

kubectl_admin() { "$BIN_DIR/kubectl" --kubeconfig "$ADMIN_KUBECONFIG" "$@"; }

pid_of() { # prints the pid of a running component, or nothing
  local f="$RUN/$1.pid" pid
  [ -f "$f" ] || return 0
  pid="$(cat "$f")"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then echo "$pid"; fi
}

# Starts a component as its own session (so it survives the shell) with a pid file and a log.
launch() { # name command...
  local name="$1"; shift
  if [ -n "$(pid_of "$name")" ]; then return 0; fi
  log "start: $name"
  setsid "$@" >>"$LOGS/$name.log" 2>&1 </dev/null &
  echo $! >"$RUN/$name.pid"
}

# Waits until a command succeeds; fails naming the component and showing its log.
wait_for() { # name seconds command...
  local name="$1" limit="$2"; shift 2
  local deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    if [ -z "$(pid_of "$name")" ] && [ "$name" != cluster ]; then
      printf '[cluster] ERROR: %s exited during start. Last lines of %s:\n' "$name" "$LOGS/$name.log" >&2
      tail -n 30 "$LOGS/$name.log" >&2 || true
      exit 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      printf '[cluster] ERROR: %s not ready after %ss (waited for: %s). Last lines of %s:\n' \
        "$name" "$limit" "$*" "$LOGS/$name.log" >&2
      tail -n 30 "$LOGS/$name.log" >&2 || true
      exit 1
    fi
    sleep 1
  done
}

is_running() {
  [ -n "$(pid_of kube-apiserver)" ] && [ -n "$(pid_of kubelet)" ] &&
    kubectl_admin get --raw /readyz >/dev/null 2>&1
}

# ---------------------------------------------------------------------------------------------- preflight

preflight() {
  [ "$(id -u)" -eq 0 ] || die "must run as root (it starts containerd and the kubelet, and edits iptables). Try: sudo $0 start"
  [ "$(uname -s)" = Linux ] || die "needs Linux (found $(uname -s))."

  # Kernel features: bridged pod traffic must pass iptables (Services, NetworkPolicy) and images need overlayfs.
  if [ ! -d /proc/sys/net/bridge ] && command -v modprobe >/dev/null; then modprobe br_netfilter 2>/dev/null || true; fi
  [ -d /proc/sys/net/bridge ] ||
    die "kernel feature br_netfilter is missing (/proc/sys/net/bridge does not exist and 'modprobe br_netfilter' did not add it)."
  if ! grep -qw overlay /proc/filesystems && command -v modprobe >/dev/null; then modprobe overlay 2>/dev/null || true; fi
  grep -qw overlay /proc/filesystems ||
    die "kernel feature overlay is missing (not in /proc/filesystems and 'modprobe overlay' did not add it)."
  [ -d /sys/fs/cgroup/memory ] || [ -f /sys/fs/cgroup/cgroup.controllers ] ||
    die "no usable cgroups: neither cgroup v1 memory controller (/sys/fs/cgroup/memory) nor cgroup v2 is mounted."

  local port holder
  for port in $REQUIRED_PORTS; do
    holder="$(ss -Hltnp "sport = :$port" 2>/dev/null | awk 'NR == 1')"
    if [ -n "$holder" ]; then
      die "port $port is already in use (${holder##* }); the cluster needs ports $REQUIRED_PORTS. Stop whatever holds it (or another cluster) first."
    fi
  done
  local elsewhere
  elsewhere="$(ip -o -4 addr show | awk -v ip="$NODE_IP" '$2 != "lo" && index($4, ip "/") == 1')"
  if [ -n "$elsewhere" ]; then
    die "VSEKAI_NODE_IP=${NODE_IP} is already assigned to another interface; pick a free address."
  fi
}

# The Debian packages come from the project's one list (tools/prereqs/packages.sh, group "cluster").
install_packages() {
  bash "$CLUSTER_TOOLS/../prereqs/ensure.sh" cluster || die "the cluster's Debian packages are missing (see above)."
}

# ------------------------------------------------------------------------------------------ configuration

# Resolvers for pods with dnsPolicy Default and CoreDNS's upstream: the host's, minus loopback ones that a
# pod cannot reach. Without any, the file has only a comment and CoreDNS answers cluster names only.
write_resolv_conf() {
  local out="$STATE_DIR/resolv.conf"
  echo "# written by tools/cluster/cluster.sh from the host's non-loopback resolvers" >"$out"
  grep -E '^nameserver ' /etc/resolv.conf 2>/dev/null | grep -vE ' (127\.|::1)' >>"$out" || true
}

write_corefile() {
  local out="$STATE_DIR/Corefile" upstream=""
  grep -q '^nameserver ' "$STATE_DIR/resolv.conf" && upstream=yes
  {
    echo ".:53 {"
    echo "    errors"
    echo "    health {"
    echo "        lameduck 5s"
    echo "    }"
    echo "    ready"
    echo "    kubernetes ${CLUSTER_DOMAIN} in-addr.arpa ip6.arpa {"
    echo "        pods insecure"
    echo "        fallthrough in-addr.arpa ip6.arpa"
    echo "        ttl 30"
    echo "    }"
    echo "    prometheus :9153"
    if [ -n "$upstream" ]; then
      echo "    forward . /etc/resolv.conf"
      echo "    loop"
    fi
    echo "    cache 30"
    echo "    reload"
    echo "    loadbalance"
    echo "}"
  } >"$out"
}

write_configs() {
  pki_all "$PKI" "$NODE_NAME" "$NODE_IP" >>"$LOGS/pki.log" 2>&1 || die "PKI: openssl failed (log: $LOGS/pki.log)."
  local server="https://127.0.0.1:${API_PORT}" c
  write_kubeconfig "$ADMIN_KUBECONFIG" "$PKI" admin vsekai-admin "$server"
  for c in kubelet controller-manager scheduler kube-proxy kube-router; do
    write_kubeconfig "$STATE_DIR/$c.kubeconfig" "$PKI" "$c" "$c" "$server"
  done
  write_resolv_conf
  write_corefile

  mkdir -p "$STATE_DIR/containerd" "$STATE_DIR/cni/net.d" "$STATE_DIR/cni/ipam" "$STATE_DIR/kubelet" \
    "$STATE_DIR/pod-logs" "$RUN/containerd"
  . "$IMAGE_DIR/images.env"
  # Some sandboxes (this workplace's VMs among them) deny lowering oom_score_adj even to root; runc then fails
  # every pod sandbox ("failed to update /proc/self/oom_score_adj: Permission denied", requested -998).
  # containerd can clamp the request to its own score instead.
  local restrict_oom=false
  if ! (echo -1 >/proc/self/oom_score_adj) 2>/dev/null; then
    restrict_oom=true
    log "config: this host refuses negative oom_score_adj; containerd will clamp pods' scores (restrict_oom_score_adj)"
  fi
  # containerd with its own root, state, socket, runc root and netns mounts, so it never meets a system
  # containerd or Docker on the same host.
  cat >"$STATE_DIR/containerd/config.toml" <<TOML
version = 2
root = "$STATE_DIR/containerd/root"
state = "$RUN/containerd/state"
[grpc]
  address = "$CONTAINERD_SOCK"
[ttrpc]
  address = "$RUN/containerd/containerd.sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$STATE_DIR/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  netns_mounts_under_state_dir = true
  restrict_oom_score_adj = $restrict_oom
  enable_selinux = false
  stream_server_address = "127.0.0.1"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "$(command -v runc)"
        Root = "$RUN/containerd/runc"
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$STATE_DIR/cni/net.d"
TOML

  # Pod network: one bridge, host-local addresses (allocations kept under our state dir), hostPort support.
  # containerd brings up each pod's lo itself with the loopback plugin from bin_dir.
  cat >"$STATE_DIR/cni/net.d/10-vsekai.conflist" <<JSON
{
  "cniVersion": "0.4.0",
  "name": "vsekai",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "cni0",
      "isGateway": true,
      "ipMasq": true,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "$STATE_DIR/cni/ipam",
        "ranges": [[{ "subnet": "$POD_CIDR", "gateway": "${POD_CIDR%.0/24}.1" }]],
        "routes": [{ "dst": "0.0.0.0/0" }]
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true }, "snat": true }
  ]
}
JSON

  local cgroup_driver=cgroupfs
  cat >"$STATE_DIR/kubelet-config.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: "$NODE_IP"
port: 10250
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous: { enabled: false }
  webhook: { enabled: true }
  x509: { clientCAFile: "$PKI/ca.crt" }
authorization:
  mode: Webhook
tlsCertFile: "$PKI/kubelet-server.crt"
tlsPrivateKeyFile: "$PKI/kubelet-server.key"
# No systemd here, and cgroup v1 (hybrid) hosts are still supported by 1.34 when failCgroupV1 is false.
cgroupDriver: $cgroup_driver
failCgroupV1: false
failSwapOn: false
containerRuntimeEndpoint: "unix://$CONTAINERD_SOCK"
clusterDNS: ["$DNS_SERVICE_IP"]
clusterDomain: "$CLUSTER_DOMAIN"
resolvConf: "$STATE_DIR/resolv.conf"
podLogsDir: "$STATE_DIR/pod-logs"
maxPods: 110
serializeImagePulls: false
# Images here cannot be pulled again, so the image GC must never remove them.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard:
  memory.available: "100Mi"
  nodefs.available: "2%"
  imagefs.available: "2%"
YAML

  cat >"$STATE_DIR/kube-proxy-config.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection:
  kubeconfig: "$STATE_DIR/kube-proxy.kubeconfig"
mode: iptables
hostnameOverride: "$NODE_NAME"
clusterCIDR: "10.244.0.0/16"
healthzBindAddress: "127.0.0.1:10256"
metricsBindAddress: "127.0.0.1:10249"
nodePortAddresses: ["$NODE_IP/32"]
# Leave the host's conntrack sysctls and route_localnet alone.
conntrack:
  maxPerCore: 0
  min: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
iptables:
  localhostNodePorts: false
YAML
}

# The node address lives on lo. The listing is read whole before matching: with pipefail, `ip | grep -q`
# fails now and then (grep quits early, ip dies of SIGPIPE), and a start that then re-adds the address
# stops with "Address already assigned".
lo_has_node_ip() {
  local addrs
  addrs="$(ip -o -4 addr show dev lo)"
  [[ "$addrs" == *" inet ${NODE_IP}/32 "* ]]
}

# Host settings pods need; the previous values are saved so stop can put them back.
host_setup() {
  local key saved="$STATE_DIR/host-sysctls.saved"
  if [ ! -f "$saved" ]; then
    for key in net/ipv4/ip_forward net/bridge/bridge-nf-call-iptables net/bridge/bridge-nf-call-ip6tables; do
      echo "$key=$(cat "/proc/sys/$key")"
    done >"$saved"
  fi
  echo 1 >/proc/sys/net/ipv4/ip_forward
  echo 1 >/proc/sys/net/bridge/bridge-nf-call-iptables
  echo 1 >/proc/sys/net/bridge/bridge-nf-call-ip6tables
  lo_has_node_ip || ip addr add "${NODE_IP}/32" dev lo
}

# ------------------------------------------------------------------------------------------------ start

start_components() {
  local b="$BIN_DIR"
  launch etcd etcd --name vsekai --data-dir "$STATE_DIR/etcd" \
    --listen-client-urls "https://127.0.0.1:${ETCD_CLIENT_PORT}" \
    --advertise-client-urls "https://127.0.0.1:${ETCD_CLIENT_PORT}" \
    --listen-peer-urls "http://127.0.0.1:${ETCD_PEER_PORT}" \
    --initial-advertise-peer-urls "http://127.0.0.1:${ETCD_PEER_PORT}" \
    --initial-cluster "vsekai=http://127.0.0.1:${ETCD_PEER_PORT}" \
    --client-cert-auth --trusted-ca-file "$PKI/ca.crt" \
    --cert-file "$PKI/etcd-server.crt" --key-file "$PKI/etcd-server.key"
  wait_for etcd 60 curl -sf --cacert "$PKI/ca.crt" --cert "$PKI/apiserver-etcd-client.crt" \
    --key "$PKI/apiserver-etcd-client.key" "https://127.0.0.1:${ETCD_CLIENT_PORT}/health"

  launch kube-apiserver "$b/kube-apiserver" \
    --advertise-address "$NODE_IP" --bind-address 0.0.0.0 --secure-port "$API_PORT" \
    --etcd-servers "https://127.0.0.1:${ETCD_CLIENT_PORT}" --etcd-cafile "$PKI/ca.crt" \
    --etcd-certfile "$PKI/apiserver-etcd-client.crt" --etcd-keyfile "$PKI/apiserver-etcd-client.key" \
    --service-cluster-ip-range "$SERVICE_CIDR" \
    --authorization-mode Node,RBAC \
    --enable-admission-plugins NodeRestriction,PodSecurity \
    --allow-privileged=true \
    --client-ca-file "$PKI/ca.crt" \
    --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" \
    --kubelet-client-certificate "$PKI/apiserver-kubelet-client.crt" \
    --kubelet-client-key "$PKI/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority "$PKI/ca.crt" \
    --kubelet-preferred-address-types InternalIP \
    --service-account-issuer "https://kubernetes.default.svc.${CLUSTER_DOMAIN}" \
    --service-account-key-file "$PKI/sa.pub" --service-account-signing-key-file "$PKI/sa.key" \
    --profiling=false
  wait_for kube-apiserver 120 kubectl_admin get --raw /readyz

  launch containerd containerd --config "$STATE_DIR/containerd/config.toml"
  wait_for containerd 60 ctr -a "$CONTAINERD_SOCK" version
  import_images

  launch kube-controller-manager "$b/kube-controller-manager" \
    --kubeconfig "$STATE_DIR/controller-manager.kubeconfig" \
    --authentication-kubeconfig "$STATE_DIR/controller-manager.kubeconfig" \
    --authorization-kubeconfig "$STATE_DIR/controller-manager.kubeconfig" \
    --bind-address 127.0.0.1 --leader-elect=false \
    --service-cluster-ip-range "$SERVICE_CIDR" \
    --allocate-node-cidrs=true --cluster-cidr 10.244.0.0/16 --node-cidr-mask-size 24 \
    --root-ca-file "$PKI/ca.crt" --service-account-private-key-file "$PKI/sa.key" \
    --use-service-account-credentials=true \
    --cluster-signing-cert-file "$PKI/ca.crt" --cluster-signing-key-file "$PKI/ca.key" \
    --profiling=false
  launch kube-scheduler "$b/kube-scheduler" \
    --kubeconfig "$STATE_DIR/scheduler.kubeconfig" \
    --authentication-kubeconfig "$STATE_DIR/scheduler.kubeconfig" \
    --authorization-kubeconfig "$STATE_DIR/scheduler.kubeconfig" \
    --bind-address 127.0.0.1 --leader-elect=false --profiling=false

  launch kubelet "$b/kubelet" --config "$STATE_DIR/kubelet-config.yaml" \
    --kubeconfig "$STATE_DIR/kubelet.kubeconfig" --root-dir "$STATE_DIR/kubelet" \
    --hostname-override "$NODE_NAME" --node-ip "$NODE_IP" \
    --pod-infra-container-image "$PAUSE_IMAGE"
  launch kube-proxy "$b/kube-proxy" --config "$STATE_DIR/kube-proxy-config.yaml"
  # kube-router runs on the host, not as a DaemonSet: it shells out to iptables, iptables-restore and
  # ipset, which are the host's (Debian) binaries; a scratch image would have to carry that userland too.
  launch kube-router "$b/kube-router" --kubeconfig "$STATE_DIR/kube-router.kubeconfig" \
    --run-firewall=true --run-router=false --run-service-proxy=false --enable-cni=false \
    --hostname-override "$NODE_NAME" --service-cluster-ip-range "$SERVICE_CIDR" \
    --health-port 20244 --metrics-port 0
  launch reclaimer "$CLUSTER_TOOLS/cluster.sh" _reclaimer

  wait_for kubelet 120 node_ready
}

node_ready() {
  [ "$(kubectl_admin get node "$NODE_NAME" \
    -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]
}

import_images() {
  local name
  for name in pause coredns busybox; do
    step "import image $name into containerd" "$LOGS/images.log" \
      ctr -a "$CONTAINERD_SOCK" -n k8s.io images import "$IMAGE_DIR/$name.tar"
  done
}

apply_manifests() {
  local m="$CLUSTER_TOOLS/manifests" corefile_hash
  step "apply RBAC" "$LOGS/apply.log" kubectl_admin apply -f "$m/rbac.yaml"
  corefile_hash="$(sha256sum "$STATE_DIR/Corefile" | cut -c1-16)"
  step "apply CoreDNS Corefile" "$LOGS/apply.log" bash -c \
    "'$BIN_DIR/kubectl' --kubeconfig '$ADMIN_KUBECONFIG' -n kube-system create configmap coredns \
       --from-file=Corefile='$STATE_DIR/Corefile' --dry-run=client -o yaml |
     '$BIN_DIR/kubectl' --kubeconfig '$ADMIN_KUBECONFIG' apply -f -"
  sed -e "s|@COREDNS_IMAGE@|$COREDNS_IMAGE|g" -e "s|@DNS_SERVICE_IP@|$DNS_SERVICE_IP|g" \
    -e "s|@COREFILE_HASH@|$corefile_hash|g" "$m/coredns.yaml" >"$STATE_DIR/coredns.yaml"
  step "apply CoreDNS" "$LOGS/apply.log" kubectl_admin apply -f "$STATE_DIR/coredns.yaml"
  step "apply StorageClass" "$LOGS/apply.log" kubectl_admin apply -f "$m/storage.yaml"
  write_persistent_volumes
  step "apply PersistentVolumes" "$LOGS/apply.log" kubectl_admin apply -f "$STATE_DIR/persistent-volumes.yaml"
}

write_persistent_volumes() {
  local i name
  : >"$STATE_DIR/persistent-volumes.yaml"
  for i in $(seq -w 1 "$PV_COUNT"); do
    name="vsekai-local-$i"
    mkdir -p "$STATE_DIR/volumes/$name"
    cat >>"$STATE_DIR/persistent-volumes.yaml" <<YAML
---
apiVersion: v1
kind: PersistentVolume
metadata:
  name: $name
  labels: { vsekai.dev/local-volume: "true" }
spec:
  capacity: { storage: $PV_SIZE }
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: local
  volumeMode: Filesystem
  local: { path: "$STATE_DIR/volumes/$name" }
  nodeAffinity:
    required:
      nodeSelectorTerms:
        - matchExpressions: [{ key: kubernetes.io/hostname, operator: In, values: ["$NODE_NAME"] }]
YAML
  done
}

# Host-side loop: a Released local volume is wiped and offered again, so test runs never use up the PVs.
reclaimer_loop() {
  local pv dir nap
  # Sleep in the background so that stop's SIGTERM ends the loop (and its sleep) at once.
  trap 'kill "$nap" 2>/dev/null; exit 0' TERM
  while true; do
    sleep 10 &
    nap=$!
    wait "$nap"
    for pv in $(kubectl_admin get pv -l vsekai.dev/local-volume=true \
      -o jsonpath='{range .items[?(@.status.phase=="Released")]}{.metadata.name}{"\n"}{end}' 2>/dev/null); do
      dir="$STATE_DIR/volumes/$pv"
      case "$pv" in vsekai-local-[0-9]*) ;; *) continue ;; esac
      [ -d "$dir" ] && find "$dir" -mindepth 1 -delete
      kubectl_admin patch pv "$pv" --type json -p '[{"op":"remove","path":"/spec/claimRef"}]' &&
        echo "reclaimed $pv"
    done
  done
}

start() {
  local started=$SECONDS
  if [ "$(id -u)" -eq 0 ] && is_running; then
    log "already running (state $STATE_DIR); nothing to do."
    print_env
    return 0
  fi
  # A half-started or crashed cluster is stopped first so that start always begins from a clean host.
  if ls "$RUN"/*.pid >/dev/null 2>&1; then
    log "found leftovers of an earlier run; cleaning up before starting"
    stop
  fi
  preflight
  mkdir -p "$STATE_DIR" "$RUN" "$LOGS"
  chmod 0700 "$STATE_DIR"
  install_packages
  "$CLUSTER_TOOLS/build.sh"
  "$CLUSTER_TOOLS/images.sh"
  write_configs
  host_setup
  start_components
  apply_manifests
  wait_for cluster 180 kubectl_admin -n kube-system rollout status deployment/coredns --timeout=5s
  log "cluster ${KUBERNETES_VERSION} is up in $((SECONDS - started))s (state: $STATE_DIR, logs: $LOGS)"
  print_env
}

print_env() {
  echo "# Local cluster ${KUBERNETES_VERSION}; use it with: eval \"\$($CLUSTER_TOOLS/cluster.sh env)\"" >&2
  echo "export KUBECONFIG=$ADMIN_KUBECONFIG"
  . "$IMAGE_DIR/images.env" 2>/dev/null && echo "export VSEKAI_CLUSTER_BUSYBOX_IMAGE=$BUSYBOX_IMAGE"
  command -v kubectl >/dev/null || echo "export PATH=$BIN_DIR:\$PATH"
}

# ------------------------------------------------------------------------------------------------- stop

kill_pids() { # signal-wait-seconds pids...
  local wait="$1" pid; shift
  [ $# -eq 0 ] && return 0
  kill -TERM "$@" 2>/dev/null || true
  local deadline=$((SECONDS + wait))
  for pid in "$@"; do
    while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
  done
}

# containerd-shim processes of *our* containerd: their command line names our socket. Their children are
# the pod processes.
our_shims() {
  local p cmdline
  for p in /proc/[0-9]*; do
    cmdline="$({ tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null || true)"
    if [[ "$cmdline" == *containerd-shim*"-address $CONTAINERD_SOCK"* ]]; then
      echo "${p#/proc/}"
    fi
  done
  return 0
}

stop_pods() {
  # Stop each pod's processes through containerd while it still runs, then make sure nothing is left.
  if [ -n "$(pid_of containerd)" ]; then
    # Deleting a task through containerd kills it and lets its shim exit cleanly (removing its socket).
    local task
    for task in $(ctr -a "$CONTAINERD_SOCK" -n k8s.io tasks ls -q 2>/dev/null); do
      ctr -a "$CONTAINERD_SOCK" -n k8s.io tasks delete --force "$task" >/dev/null 2>&1 || true
    done
  fi
  local shims children s
  shims="$(our_shims)"
  for s in $shims; do
    children="$(ps -o pid= --ppid "$s" 2>/dev/null || true)"
    # shellcheck disable=SC2086
    if [ -n "$children" ]; then kill -KILL $children 2>/dev/null || true; fi
  done
  # shellcheck disable=SC2086
  kill_pids 5 $shims
}

unmount_under_state() {
  # Deepest first; a lazy unmount is the fallback for anything still busy.
  local mnt
  for mnt in $(awk -v d="$STATE_DIR/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
    umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || log "stop: could not unmount $mnt"
  done
}

# Removes every iptables rule and chain the cluster made (kube-proxy KUBE-*, kube-router KUBE-ROUTER-*/KUBE-NWPLCY-*
# /KUBE-POD-FW-*, CNI's CNI-*), in both families, leaving everyone else's rules in place.
clean_iptables() {
  local cmd table line chain
  for cmd in iptables ip6tables; do
    command -v "$cmd" >/dev/null || continue
    # iptables-save lists chains as ":NAME POLICY [counters]"; ours are the KUBE-* and CNI-* ones.
    for table in filter nat mangle raw; do
      # Rules in any chain that jump to one of ours, deleted by replaying them with -D.
      local jumps
      jumps="$("$cmd-save" -t "$table" 2>/dev/null | grep -E '^-A ' | grep -E -- '-[jg] (KUBE-|CNI-)' |
        grep -vE '^-A (KUBE-|CNI-)' || true)"
      while read -r line; do
        [ -n "$line" ] || continue
        eval "$cmd -t $table ${line/#-A/-D}" 2>/dev/null || true
      done <<<"$jumps"
      for chain in $("$cmd-save" -t "$table" 2>/dev/null | sed -n 's/^:\(\(KUBE-\|CNI-\)[^ ]*\) .*/\1/p'); do
        "$cmd" -t "$table" -F "$chain" 2>/dev/null || true
      done
      for chain in $("$cmd-save" -t "$table" 2>/dev/null | sed -n 's/^:\(\(KUBE-\|CNI-\)[^ ]*\) .*/\1/p'); do
        "$cmd" -t "$table" -X "$chain" 2>/dev/null || true
      done
    done
  done
  if command -v ipset >/dev/null; then
    local set
    for set in $(ipset list -n 2>/dev/null | grep -E '^(KUBE-|kube-router-|inet6:KUBE-|inet6:kube-router-)'); do
      ipset destroy "$set" 2>/dev/null || true
    done
  fi
}

# Empty cgroups the kubelet made for pods (kubepods/...) in every hierarchy, deepest first.
remove_pod_cgroups() {
  local root
  for root in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/kubepods; do
    [ -d "$root" ] || continue
    find "$root" -depth -type d -exec rmdir {} + 2>/dev/null || log "stop: some cgroups under $root are still in use"
  done
}

host_teardown() {
  # libcni keeps each attachment's result under /var/lib/cni/results, named after our network "vsekai".
  local result id
  for result in /var/lib/cni/results/vsekai-*; do
    [ -e "$result" ] || continue
    id="${result#/var/lib/cni/results/vsekai-}"
    id="${id%-eth0}"
    rm -f "$result" "/var/lib/cni/results/cni-loopback-$id-lo"
  done
  ip link show cni0 >/dev/null 2>&1 && ip link delete cni0
  if lo_has_node_ip; then ip addr del "${NODE_IP}/32" dev lo; fi
  local saved="$STATE_DIR/host-sysctls.saved" line
  if [ -f "$saved" ]; then
    while IFS='=' read -r key value; do
      [ -w "/proc/sys/$key" ] && echo "$value" >"/proc/sys/$key"
    done <"$saved"
    rm -f "$saved"
  fi
}

stop() {
  [ "$(id -u)" -eq 0 ] || die "must run as root to stop the cluster (it started root processes)."
  local started=$SECONDS name pid order=""
  for name in $COMPONENTS; do order="$name $order"; done
  for name in $order; do
    pid="$(pid_of "$name")"
    if [ "$name" = containerd ]; then stop_pods; fi
    if [ -n "$pid" ]; then
      log "stop: $name (pid $pid)"
      # kubelet and kube-router get longer: they tidy up on SIGTERM.
      kill_pids 15 "$pid"
    fi
    rm -f "$RUN/$name.pid"
  done
  stop_pods
  unmount_under_state
  clean_iptables
  remove_pod_cgroups
  host_teardown
  rm -rf "$RUN/containerd/state" "$RUN/containerd/runc"
  # containerd 1.6 keeps shim sockets in /run/containerd/s whatever its state dir; drop the dirs if now empty.
  rmdir /run/containerd/s /run/containerd 2>/dev/null || true
  log "stopped in $((SECONDS - started))s; nothing of the cluster runs now (data kept in $STATE_DIR)."
}

status() {
  local name pid any=""
  for name in $COMPONENTS; do
    pid="$(pid_of "$name")"
    if [ -n "$pid" ]; then printf '%-24s running (pid %s)\n' "$name" "$pid"; any=yes
    else printf '%-24s stopped\n' "$name"; fi
  done
  if [ -n "$any" ] && [ -f "$ADMIN_KUBECONFIG" ]; then
    kubectl_admin get nodes -o wide 2>&1 || true
    kubectl_admin get pods -A 2>&1 || true
  fi
  [ -n "$any" ]
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  purge) stop; log "purge: removing $STATE_DIR"; rm -rf "$STATE_DIR" ;;
  status) status ;;
  env) print_env ;;
  _reclaimer) reclaimer_loop ;;
  *) echo "usage: $0 start|stop|purge|status|env" >&2; exit 2 ;;
esac
