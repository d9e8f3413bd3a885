#!/usr/bin/env bash
# Install (once) the pinned actionlint from the Go module proxy; print its path (last stdout line).
#
# Env: ACTIONLINT_VERSION (default v1.7.12), TODO_CACHE. shellcheck is used by actionlint for
# `run:` scripts when it is on PATH (Debian: apt-get install shellcheck); without it those
# scripts are not linted (actionlint says nothing).
set -euo pipefail
_TOOL_NAME=actionlint
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=golib.sh
. "$(dirname "${BASH_SOURCE[0]}")/golib.sh"

ACTIONLINT_VERSION="${ACTIONLINT_VERSION:-v1.7.12}"
# shellcheck disable=SC2034 # read by go_tool (golib.sh)
GO_TOOL_LDFLAGS="-X github.com/rhysd/actionlint.version=$ACTIONLINT_VERSION"
go_tool actionlint github.com/rhysd/actionlint/cmd/actionlint "$ACTIONLINT_VERSION"
