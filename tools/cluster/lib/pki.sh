# PKI for the local cluster, made with openssl. Sourced by cluster.sh. Every file is created once and kept,
# so restarts reuse the same CA and kubeconfigs stay valid.
# shellcheck shell=bash

PKI_DAYS=3650

# Self-signed CA for everything in the cluster (API, etcd, kubelet serving, client certs).
pki_ca() {
  local dir="$1"
  [ -f "$dir/ca.crt" ] && return 0
  openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days "$PKI_DAYS" -keyout "$dir/ca.key" -out "$dir/ca.crt" \
    -subj "/CN=vsekai-local-cluster-ca" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature"
}

# Leaf certificate signed by the CA. usage: pki_cert dir name subject usage [san-list]
#   usage is serverAuth, clientAuth or "serverAuth,clientAuth"; san-list like "DNS:a,IP:1.2.3.4".
pki_cert() {
  local dir="$1" name="$2" subject="$3" usage="$4" sans="${5:-}"
  [ -f "$dir/$name.crt" ] && return 0
  local ext="$dir/$name.ext"
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=$usage"
    [ -n "$sans" ] && echo "subjectAltName=$sans"
  } >"$ext"
  openssl req -newkey rsa:2048 -nodes -sha256 -keyout "$dir/$name.key" -out "$dir/$name.csr" -subj "$subject"
  openssl x509 -req -sha256 -days "$PKI_DAYS" -in "$dir/$name.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
    -CAcreateserial -extfile "$ext" -out "$dir/$name.crt"
  rm -f "$dir/$name.csr" "$ext"
}

# Key pair the API server verifies and the controller manager signs service account tokens with.
pki_service_account() {
  local dir="$1"
  [ -f "$dir/sa.key" ] && return 0
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$dir/sa.key"
  openssl pkey -in "$dir/sa.key" -pubout -out "$dir/sa.pub"
}

# All certificates the components need. usage: pki_all dir node-name node-ip
pki_all() {
  local dir="$1" node="$2" node_ip="$3"
  mkdir -p "$dir"
  chmod 0700 "$dir"
  pki_ca "$dir"
  pki_service_account "$dir"
  pki_cert "$dir" apiserver "/CN=kube-apiserver" serverAuth \
    "DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.${CLUSTER_DOMAIN},IP:127.0.0.1,IP:${API_SERVICE_IP},IP:${node_ip}"
  pki_cert "$dir" etcd-server "/CN=etcd" serverAuth "DNS:localhost,IP:127.0.0.1"
  pki_cert "$dir" apiserver-etcd-client "/CN=kube-apiserver-etcd-client" clientAuth
  pki_cert "$dir" apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" clientAuth
  pki_cert "$dir" kubelet-server "/CN=${node}" serverAuth "DNS:${node},IP:${node_ip},IP:127.0.0.1"
  # Client identities: names and groups are the ones Kubernetes' default RBAC and NodeRestriction expect.
  pki_cert "$dir" admin "/O=system:masters/CN=vsekai-admin" clientAuth
  pki_cert "$dir" kubelet "/O=system:nodes/CN=system:node:${node}" clientAuth
  pki_cert "$dir" controller-manager "/CN=system:kube-controller-manager" clientAuth
  pki_cert "$dir" scheduler "/CN=system:kube-scheduler" clientAuth
  pki_cert "$dir" kube-proxy "/CN=system:kube-proxy" clientAuth
  pki_cert "$dir" kube-router "/CN=system:vsekai:kube-router" clientAuth
  chmod 0600 "$dir"/*.key
}

# kubeconfig with an embedded client certificate. usage: write_kubeconfig out pki-dir cert-name user server
write_kubeconfig() {
  local out="$1" pki="$2" name="$3" user="$4" server="$5"
  cat >"$out" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
  - name: vsekai-local
    cluster:
      server: ${server}
      certificate-authority-data: $(base64 -w0 <"$pki/ca.crt")
users:
  - name: ${user}
    user:
      client-certificate-data: $(base64 -w0 <"$pki/$name.crt")
      client-key-data: $(base64 -w0 <"$pki/$name.key")
contexts:
  - name: vsekai-local
    context:
      cluster: vsekai-local
      user: ${user}
current-context: vsekai-local
KUBECONFIG
  chmod 0600 "$out"
}
