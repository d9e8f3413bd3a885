#!/usr/bin/env bash
# Build (once) and cache the etcd server from the Go module proxy; print its bin dir (last line).
#
#   ETCD_BIN="$(scripts/tools/etcd.sh | tail -n1)"      # $ETCD_BIN/etcd
#
# Env: ETCD_VERSION (default v3.7.0), TODO_CACHE (default ~/.cache/todo).
#
# Why built and not Debian's etcd-server: bookworm ships 3.4.23, older than the 3.5/3.6 line
# Kubernetes 1.37 is tested with (the apiserver then turns features off, e.g. watch progress
# notifications for consistent reads from its cache). docs/adr/0004-kubernetes-version.md.
# Why a throwaway module: etcd's server/v3 go.mod replaces its sibling modules with `../api`
# etc., so `go install go.etcd.io/etcd/server/v3@v` is refused; ours replaces each with its
# published release of the same version. Cold: ~2-4 min on 2 cores; warm: a file check.
set -euo pipefail
_TOOL_NAME=etcd
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

VERSION="${ETCD_VERSION:-v3.7.0}"
BASE="$TODO_CACHE/etcd/$VERSION"
BIN="$BASE/bin"
if [ -x "$BIN/etcd" ] && [ -f "$BIN/.complete" ]; then
  log "cached: $BIN/etcd ($(cat "$BIN/.complete"))"
  echo "$BIN"
  exit 0
fi
need go "install Go >= the go line of go.etcd.io/etcd/server/v3 $VERSION's go.mod"

MOD="$BASE/mod"
make_module() {
  local json gomod want siblings
  json="$(go mod download -json "go.etcd.io/etcd/server/v3@$VERSION")" \
    || die "the module proxy does not serve go.etcd.io/etcd/server/v3@$VERSION: $json"
  gomod="$(printf '%s' "$json" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
  want="$(sed -n 's/^go \([0-9.]*\).*/\1/p' "$gomod" | head -n1)"
  siblings="$(sed -n 's/^[[:space:]]*\(go.etcd.io\/[^ ]*\) => \.\.\/.*/\1/p' "$gomod")"
  rm -rf "$MOD"; mkdir -p "$MOD"
  {
    printf 'module local/etcdbuild\n\ngo %s\n\nrequire go.etcd.io/etcd/server/v3 %s\n\nreplace (\n' "$want" "$VERSION"
    local m; for m in $siblings; do printf '\t%s => %s %s\n' "$m" "$m" "$VERSION"; done
    printf ')\n'
  } > "$MOD/go.mod"
  log "module: $MOD ($(echo "$siblings" | wc -w) sibling modules replaced with $VERSION)"
}
step "throwaway module for etcd $VERSION" make_module

build() {
  rm -rf "$BASE/bin.tmp"; mkdir -p "$BASE/bin.tmp"
  log "(cd $MOD && CGO_ENABLED=0 GOFLAGS=-mod=mod nice -n 10 go build -trimpath -o bin.tmp/etcd go.etcd.io/etcd/server/v3)"
  (cd "$MOD" && CGO_ENABLED=0 GOFLAGS=-mod=mod nice -n 10 \
    go build -trimpath -ldflags "-s -w" -o "$BASE/bin.tmp/etcd" go.etcd.io/etcd/server/v3 >&2)
  "$BASE/bin.tmp/etcd" --version >&2
  rm -rf "$BIN"; mv "$BASE/bin.tmp" "$BIN"
  echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ) module=go.etcd.io/etcd/server/v3@$VERSION go=$(go env GOVERSION)" > "$BIN/.complete"
}
step "build etcd $VERSION" build
total_time
echo "$BIN"
