# Pinned ingress controller; sourced by build.sh. tools/images/versions.env names the image tag built from it.
# shellcheck shell=bash

# Traefik v3.6 as a Go module. v3.6.12 is the newest v3.6 the module proxy serves; its go.mod is repeated
# (requirements, replaces, exclude) by go/traefik/go.mod.
TRAEFIK_MODULE="github.com/traefik/traefik/v3"
TRAEFIK_VERSION="3.6.12"
