#!/usr/bin/env bash
# Build (once) and cache the Kubernetes control-plane and node binaries from the Go module proxy.
#
#   KUBE_BIN="$(scripts/tools/kubernetes.sh | tail -n1)"   # dir with kube-apiserver, ...
#
# Env: KUBERNETES_VERSION (default v1.37.2; docs/adr/0004-kubernetes-version.md says why),
#      TODO_CACHE (default ~/.cache/todo). Binaries: $TODO_CACHE/kubernetes/<version>/bin.
#
# Why a throwaway module: k8s.io/kubernetes replaces its staging modules (k8s.io/api,
# k8s.io/client-go, ...) with `./staging/...` paths, so `go install k8s.io/kubernetes/cmd/...@v`
# is refused. A module of our own that requires k8s.io/kubernetes and replaces each staging module
# with its published v0.<minor>.<patch> release resolves from the proxy alone. `godebug
# default=go1.26` copies the kubernetes module's own GODEBUG defaults (the main module's go line
# would otherwise decide them).
#
# All binaries come from ONE `go build` so the shared packages (apimachinery, client-go, the
# apiserver library) compile once. Cold: ~20 min on 2 busy cores; warm: a file check.
# kubelet and kube-proxy are built too: the next step (a node) needs them and they add little.
set -euo pipefail
_TOOL_NAME=kubernetes
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=golib.sh
. "$(dirname "${BASH_SOURCE[0]}")/golib.sh"

VERSION="${KUBERNETES_VERSION:-v1.37.2}"
PROGRESS_EVERY="${KUBERNETES_PROGRESS_EVERY:-30}"
CMDS=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl)
# Bump RECIPE when the build recipe changes: a cached build with another recipe is rebuilt.
RECIPE="cmds=${CMDS[*]};cgo=0;r1"
BASE="$TODO_CACHE/kubernetes/$VERSION"
BIN="$BASE/bin"

if [ -f "$BIN/.complete" ] && grep -qF "recipe=$RECIPE" "$BIN/.complete"; then
  ok=1
  for c in "${CMDS[@]}"; do [ -x "$BIN/$c" ] || ok=0; done
  if [ "$ok" = 1 ]; then
    log "cached: $BIN ($(cat "$BIN/.complete"))"
    echo "$BIN"
    exit 0
  fi
fi

need go "install Go >= the go line of k8s.io/kubernetes $VERSION's go.mod (Debian's golang or https://go.dev/dl/)"

MOD="$BASE/mod"
OUT="$BASE/bin.tmp"
BUILD_LOG="$BASE/build.log"
# shellcheck disable=SC2016 # expanded when lib.sh's EXIT trap evals it, not here
_TOOL_CLEANUP='[ -n "${TICKER_PID:-}" ] && kill "$TICKER_PID" 2>/dev/null'

# The throwaway module: the staging replaces are read from k8s.io/kubernetes's own go.mod, so a
# new version needs no edit here.
make_module() {
  local json gomod minor staging want have
  json="$(go mod download -json "k8s.io/kubernetes@$VERSION")" \
    || die "the module proxy does not serve k8s.io/kubernetes@$VERSION: $json" \
      "pick a served version: go list -m -versions k8s.io/kubernetes"
  gomod="$(printf '%s' "$json" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
  want="$(sed -n 's/^go \([0-9.]*\).*/\1/p' "$gomod" | head -n1)"
  have="$(go env GOVERSION)"; have="${have#go}"
  [ "$(printf '%s\n%s\n' "$want" "$have" | sort -V | head -n1)" = "$want" ] \
    || die "k8s.io/kubernetes $VERSION needs go >= $want; installed go is $have" "install a newer Go"
  minor="v0.${VERSION#v1.}"   # v1.37.2 -> v0.37.2, the staging modules' tag
  staging="$(sed -n 's/^[[:space:]]*\(k8s.io\/[^ ]*\) => \.\/staging\/.*/\1/p' "$gomod")"
  [ -n "$staging" ] || die "no ./staging replaces in $gomod: the layout changed; look at it"
  rm -rf "$MOD"; mkdir -p "$MOD"
  {
    echo "module local/kubebuild"
    echo
    echo "go $want"
    echo
    echo "godebug default=go1.26"
    echo
    echo "require k8s.io/kubernetes $VERSION"
    echo
    echo "replace ("
    local m; for m in $staging; do echo "	$m => $m $minor"; done
    echo ")"
  } > "$MOD/go.mod"
  # No `go mod tidy`: it would fetch every test dependency too. `go build -mod=mod` resolves
  # exactly what the commands import, at the versions k8s.io/kubernetes's go.mod requires.
  log "module: $MOD ($(echo "$staging" | wc -l) staging modules replaced with $minor; go $want)"
}
step "throwaway module for k8s.io/kubernetes $VERSION" make_module

build() {
  rm -rf "$OUT"; mkdir -p "$OUT"
  local v="${VERSION#v}" pkgs=() c
  for c in "${CMDS[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$c"); done
  # Without these the binaries report v0.0.0-master, and helm/kubectl judge versions by them.
  local x="-X k8s.io/component-base/version"
  local minor ldflags
  minor="$(echo "$v" | cut -d. -f2)"
  ldflags="-s -w $x.gitVersion=$VERSION $x.gitMajor=${v%%.*} $x.gitMinor=$minor"
  ldflags="$ldflags $x.gitTreeState=clean -X k8s.io/client-go/pkg/version.gitVersion=$VERSION"
  log "(cd $MOD && CGO_ENABLED=0 GOFLAGS=-mod=mod nice -n 10 go build -v -trimpath -ldflags '$ldflags' -o $OUT/ ${pkgs[*]})"
  log "full build output: $BUILD_LOG (cold: ~20 min on 2 cores; progress every ${PROGRESS_EVERY}s)"
  local rc=0
  go_build_logged "$MOD" "$BUILD_LOG" -v -trimpath -ldflags "$ldflags" -o "$OUT/" "${pkgs[@]}" || rc=$?
  if [ "$rc" -ne 0 ]; then
    tail -n 30 "$BUILD_LOG" >&2
    die "go build failed (exit $rc); last lines above, full log: $BUILD_LOG" \
      "'403 ... not available': a dependency is not served here; try another KUBERNETES_VERSION" \
      "out of disk: the build cache needs several GB under $(go env GOCACHE)"
  fi
  "$OUT/kube-apiserver" --version >&2 || die "the built kube-apiserver does not run"
  rm -rf "$BIN"; mv "$OUT" "$BIN"
  echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ) recipe=$RECIPE go=$(go env GOVERSION)" > "$BIN/.complete"
  log "built: $(cd "$BIN" && du -sh -- * | tr '\t\n' ' ')"
}
step "build ${CMDS[*]} $VERSION" build
total_time
echo "$BIN"
