#!/usr/bin/env bash
# Install (once) the pinned kubeconform from the Go module proxy; print its path (last stdout line).
#
# Never use kubeconform's default schema location (it downloads from GitHub): the chart
# checks pass -schema-location with the offline schemas of scripts/tools/k8s-schemas.sh.
# Env: KUBECONFORM_VERSION (default v0.7.0), TODO_CACHE.
set -euo pipefail
_TOOL_NAME=kubeconform
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=golib.sh
. "$(dirname "${BASH_SOURCE[0]}")/golib.sh"

go_tool kubeconform github.com/yannh/kubeconform/cmd/kubeconform "${KUBECONFORM_VERSION:-v0.7.0}"
