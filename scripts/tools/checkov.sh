#!/usr/bin/env bash
# Install (once) the pinned checkov into its own venv; print the checkov path (last stdout line).
#
# Env: CHECKOV_VERSION (default 3.3.30; must match requirements/checkov.txt), TODO_CACHE.
# Run it offline, as the chart checks do:
#   BC_SKIP_MAPPING=TRUE checkov --skip-download --config-file helm/todo-app/.checkov.yaml -d DIR
set -euo pipefail
_TOOL_NAME=checkov
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=pylib.sh
. "$(dirname "${BASH_SOURCE[0]}")/pylib.sh"
py_tool checkov "${CHECKOV_VERSION:-3.3.30}" checkov
