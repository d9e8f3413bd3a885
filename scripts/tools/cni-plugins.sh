#!/usr/bin/env bash
# Build (once) and cache the CNI plugins the local cluster's node uses, from the Go module proxy:
# bridge (the pod network), host-local (its addresses), loopback (each pod's lo) and portmap
# (hostPort). Print their bin dir (last stdout line): containerd's CRI plugin reads it as bin_dir.
#
# Env: CNI_PLUGINS_VERSION (default v1.10.0), TODO_CACHE (default ~/.cache/todo).
# Cold: ~10-30 s on 2 cores; warm: a file check.
set -euo pipefail
_TOOL_NAME=cni-plugins
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

VERSION="${CNI_PLUGINS_VERSION:-v1.10.0}"
MODULE=github.com/containernetworking/plugins
PLUGINS=(plugins/main/bridge plugins/ipam/host-local plugins/main/loopback plugins/meta/portmap)
BASE="$TODO_CACHE/cni-plugins/$VERSION"
BIN="$BASE/bin"
if [ -f "$BIN/.complete" ]; then
  log "cached: $BIN ($(cat "$BIN/.complete"))"
  echo "$BIN"
  exit 0
fi
need go "install Go >= the go line of $MODULE $VERSION's go.mod"

install() {
  rm -rf "$BASE/bin.tmp"; mkdir -p "$BASE/bin.tmp"
  local pkgs=() p
  for p in "${PLUGINS[@]}"; do pkgs+=("$MODULE/$p@$VERSION"); done
  log "GOBIN=$BASE/bin.tmp CGO_ENABLED=0 nice -n 10 go install -trimpath ${pkgs[*]}"
  GOBIN="$BASE/bin.tmp" CGO_ENABLED=0 nice -n 10 go install -trimpath -ldflags="-s -w" "${pkgs[@]}" >&2 \
    || die "go install of the CNI plugins failed (output above)" \
      "module refused? check: go mod download -json $MODULE@$VERSION"
  for p in "${PLUGINS[@]}"; do [ -x "$BASE/bin.tmp/${p##*/}" ] || die "no ${p##*/} in $BASE/bin.tmp"; done
  rm -rf "$BIN"; mv "$BASE/bin.tmp" "$BIN"
  echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ) module=$MODULE@$VERSION go=$(go env GOVERSION)" > "$BIN/.complete"
}
step "go install the CNI plugins $VERSION" install
total_time
echo "$BIN"
