#!/usr/bin/env bash
# Build (once) and cache kube-router, to enforce NetworkPolicy on a node whose pod network is
# the plain bridge CNI (run it with --run-firewall=true --run-router=false
# --run-service-proxy=false); print its bin dir (last stdout line).
#
#   KUBE_ROUTER_BIN="$(scripts/tools/kube-router.sh | tail -n1)"   # .../kube-router
#
# Env: KUBE_ROUTER_VERSION (default v2.1.0), TODO_CACHE (default ~/.cache/todo).
#
# Why v2.1.0: the only version the proxy serves (v2.2.0 ... v2.6.0 answer 403 "not
# available"). Its go.mod (go 1.21, k8s.io/client-go v0.29.2) has no replace directives, so a
# plain `go install` resolves from the proxy alone. kube-router 2.1 predates Kubernetes 1.37
# (it was tested up to ~1.29); NetworkPolicy v1 has not changed since, but check it on the node.
# At run time the firewall needs iptables, ip6tables and ipset (Debian: iptables, ipset) and
# CAP_NET_ADMIN in the node's network namespace.
# Cold: ~2 min measured (15 s download, 114 s compile); warm: a file check.
#
# Manifests: the module zip has upstream DaemonSets with RBAC, among them the firewall-only one:
# $(go env GOMODCACHE)/github.com/cloudnativelabs/kube-router/v2@<version>/daemonset/kube-router-firewall-daemonset.yaml
# (its image, docker.io/cloudnativelabs/kube-router, is not reachable here: use a local image).
set -euo pipefail
_TOOL_NAME=kube-router
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=golib.sh
. "$(dirname "${BASH_SOURCE[0]}")/golib.sh"

VERSION="${KUBE_ROUTER_VERSION:-v2.1.0}"
x="-X github.com/cloudnativelabs/kube-router/v2/pkg/version"
GO_TOOL_LDFLAGS="$x.Version=$VERSION $x.BuildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
go_tool_dir kube-router github.com/cloudnativelabs/kube-router/v2/cmd/kube-router "$VERSION"
