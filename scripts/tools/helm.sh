#!/usr/bin/env bash
# Install (once) the pinned helm CLI from the Go module proxy; print its path (last stdout line).
#
#   HELM="$(scripts/tools/helm.sh | tail -n1)"
#
# Env: HELM_VERSION (default v4.3.1), TODO_CACHE (default ~/.cache/todo).
# Binary: $TODO_CACHE/helm/<version>/bin/helm. Cold: a `go install` (module download + build);
# warm: a file check.
set -euo pipefail
_TOOL_NAME=helm
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=golib.sh
. "$(dirname "${BASH_SOURCE[0]}")/golib.sh"

HELM_VERSION="${HELM_VERSION:-v4.3.1}"
major="${HELM_VERSION%%.*}"   # v4 -> module helm.sh/helm/v4; v3 -> helm.sh/helm/v3
# `helm version` prints what is linked in here (go install has no release ldflags).
# shellcheck disable=SC2034 # read by go_tool (golib.sh)
GO_TOOL_LDFLAGS="-X helm.sh/helm/$major/internal/version.version=$HELM_VERSION"
go_tool helm "helm.sh/helm/$major/cmd/helm" "$HELM_VERSION"
