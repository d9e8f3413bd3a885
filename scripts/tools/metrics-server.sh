#!/usr/bin/env bash
# Build (once) and cache metrics-server (the resource-metrics API the HPA reads) from the Go
# module proxy; print its bin dir (last stdout line).
#
#   METRICS_SERVER_BIN="$(scripts/tools/metrics-server.sh | tail -n1)"   # .../metrics-server
#
# Env: METRICS_SERVER_VERSION (default v0.9.0), TODO_CACHE (default ~/.cache/todo).
#
# Why v0.9.0: the newest version the proxy serves (v0.9.1 and v0.10.0 answer 403 "not
# available"); its go.mod says go 1.26.4 and has no replace directives, so a plain
# `go install ...@v0.9.0` resolves from the proxy alone. It uses k8s.io/* v0.36.2, not the
# cluster's v0.37.2, so it shares no compiled packages with scripts/tools/kubernetes.sh.
# Cold: 162 s measured (download + compile, nothing cached, quiet box; 310 s beside other
# work); warm: a file check.
#
# Manifests: the module zip holds the upstream ones (kustomize base with Deployment, RBAC,
# Service, APIService) at $(go env GOMODCACHE)/sigs.k8s.io/metrics-server@<version>/manifests/base
# and the Helm chart at .../charts/metrics-server. Their image (gcr.io/...) is not reachable
# here: use a locally built image.
set -euo pipefail
_TOOL_NAME=metrics-server
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=golib.sh
. "$(dirname "${BASH_SOURCE[0]}")/golib.sh"

VERSION="${METRICS_SERVER_VERSION:-v0.9.0}"
# The binary reports the client-go version otherwise (e.g. v0.36.2), not its own.
GO_TOOL_LDFLAGS="-X k8s.io/client-go/pkg/version.gitVersion=$VERSION"
go_tool_dir metrics-server sigs.k8s.io/metrics-server/cmd/metrics-server "$VERSION"
