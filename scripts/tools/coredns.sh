#!/usr/bin/env bash
# Build (once) and cache CoreDNS, the local cluster's DNS (Dapr's Kubernetes name resolution and
# every Service name need it), from the Go module proxy; print the binary's path (last line).
#
# Env: COREDNS_VERSION (default v1.15.0), TODO_CACHE (default ~/.cache/todo).
# Cold: ~5-6 min on 2 cores; warm: a file check.
set -euo pipefail
_TOOL_NAME=coredns
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=golib.sh
. "$(dirname "${BASH_SOURCE[0]}")/golib.sh"

go_tool coredns github.com/coredns/coredns "${COREDNS_VERSION:-v1.15.0}"
