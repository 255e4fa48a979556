# Pinned monitoring tools; sourced by build.sh.
# shellcheck shell=bash

# Prometheus 3.16 as a Go module (the module's tags are v0.<minor>.<patch>). Its go.mod has no replace
# directives, so `go install` at this version builds promtool and the server.
PROMETHEUS_MODULE="github.com/prometheus/prometheus"
PROMETHEUS_MODULE_VERSION="v0.316.0"
# The release that module version is (its VERSION file); stamped into the binaries, which --version shows.
PROMETHEUS_VERSION="3.16.0"

# The Prometheus Operator whose CRDs (in its module zip, example/prometheus-operator-crd/) the stack's
# ServiceMonitors and PrometheusRules are checked against; the live test runs this version.
PROMETHEUS_OPERATOR_MODULE="github.com/prometheus-operator/prometheus-operator"
PROMETHEUS_OPERATOR_VERSION="v0.85.0"
