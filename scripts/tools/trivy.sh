#!/usr/bin/env bash
# Install (once) the pinned Trivy from the Go module proxy; print its path (last stdout line).
# Used by .github/workflows/build.yml (image scan + SBOM). Built from source through the Go
# module proxy, whose checksum database pins the exact code: no release binary or action tag
# to trust (trivy-action's tags were hijacked in March 2026; v0.70.0 is a release after that).
# Env: TRIVY_VERSION (default v0.70.0), TODO_CACHE.
set -euo pipefail
_TOOL_NAME=trivy
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=golib.sh
. "$(dirname "${BASH_SOURCE[0]}")/golib.sh"

TRIVY_VERSION="${TRIVY_VERSION:-v0.70.0}"
# shellcheck disable=SC2034 # read by go_tool (golib.sh)
GO_TOOL_LDFLAGS="-X github.com/aquasecurity/trivy/pkg/version/app.ver=${TRIVY_VERSION#v}"
go_tool trivy github.com/aquasecurity/trivy/cmd/trivy "$TRIVY_VERSION"
