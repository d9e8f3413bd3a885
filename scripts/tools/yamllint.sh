#!/usr/bin/env bash
# Install (once) the pinned yamllint into its own venv; print the yamllint path (last stdout line).
#
# Env: YAMLLINT_VERSION (default 1.38.0; must match requirements/yamllint.txt), TODO_CACHE.
# The repo's rules and exclusions are in /.yamllint.
set -euo pipefail
_TOOL_NAME=yamllint
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=pylib.sh
. "$(dirname "${BASH_SOURCE[0]}")/pylib.sh"
py_tool yamllint "${YAMLLINT_VERSION:-1.38.0}" yamllint
