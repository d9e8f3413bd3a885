#!/usr/bin/env bash
# Build (once) and cache Traefik (the ingress controller the chart's `className: traefik` names)
# from the Go module proxy; print its bin dir (last stdout line).
#
#   TRAEFIK_BIN="$(scripts/tools/traefik.sh | tail -n1)"     # $TRAEFIK_BIN/traefik
#
# Env: TRAEFIK_VERSION (default v3.6.12), TODO_CACHE (default ~/.cache/todo).
#
# Why v3.6.12 and not the newest v3.7.x: every v3.7 the proxy lists (v3.7.11-v3.7.13) needs a
# dependency it refuses with 403 "This module version is not available":
#   v3.7.11: github.com/containous/go-http-auth@v0.4.1-0.20260804094822-b975dcaa8c48
#   v3.7.13: that one plus 14 ACME DNS-provider SDKs of go-acme/lego/v5 (huaweicloud, akamai v13,
#            dnsimple v9, oci-go-sdk v1065, yandex-cloud dns, ucloud, ...).
# v3.6.12's whole dependency set is served (checked with `go list -deps ./cmd/traefik`).
#
# Why built from a copy of the module: v3.7 replaces github.com/traefik/traefik/dynamic/ext with
# ./pkg/config/dynamic/ext, a nested module that the module zip leaves out (nested modules never
# ship in their parent's zip), so neither `go install` nor a build of the downloaded module works.
# Upstream that module holds only empty extension types (a hook for Traefik's commercial builds);
# this script writes the same empty types when the replace is there (v3.6 has none). Copying also
# keeps a build of a later version possible without editing the script. The web UI's built
# assets (webui/static) are not in the zip: the dashboard is empty; the API and the Kubernetes
# Ingress provider are unaffected.
#
# Cold: ~7.5 min measured (42 s download, 410 s compile); ~2.4 GB of module cache and ~2.5 GB of
# build cache (the ACME DNS providers pull whole cloud SDKs); warm: a file check.
#
# Manifests: for the Ingress provider (--providers.kubernetesingress) Traefik needs no CRDs, only
# RBAC and an IngressClass `traefik` with controller traefik.io/ingress-controller. The module
# zip ($(go env GOMODCACHE)/github.com/traefik/traefik/v3@<version>/) has no Helm chart; it has
#   docs/content/reference/routing-configuration/kubernetes/ingress.md   the Ingress provider's
#       ClusterRole (services, secrets, endpointslices, ingresses, ingressclasses, ingresses/status)
#   docs/content/reference/dynamic-configuration/kubernetes-crd-definition-v1.yml, kubernetes-crd-rbac.yml
#       (IngressRoute etc.; not needed for the chart's plain Ingress)
#   integration/fixtures/k8s/    test fixtures (IngressClass, Ingress examples)
# The cloud values files route to the `websecure` entry point: start traefik with
# --entrypoints.web.address=:8000 --entrypoints.websecure.address=:8443 (names matter, ports not).
set -euo pipefail
_TOOL_NAME=traefik
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=golib.sh
. "$(dirname "${BASH_SOURCE[0]}")/golib.sh"

VERSION="${TRAEFIK_VERSION:-v3.6.12}"
MODULE=github.com/traefik/traefik/v3
PROGRESS_EVERY="${TRAEFIK_PROGRESS_EVERY:-30}"
# Bump RECIPE when the build recipe changes: a cached build with another recipe is rebuilt.
RECIPE="cmd=traefik;cgo=0;ext-stub;r1"
BASE="$TODO_CACHE/traefik/$VERSION"
BIN="$BASE/bin"

if cached_bin "$BIN" "$RECIPE" traefik; then exit 0; fi
need go "install Go >= the go line of $MODULE $VERSION's go.mod (Debian's golang or https://go.dev/dl/)"

SRC="$BASE/src"
OUT="$BASE/bin.tmp"
BUILD_LOG="$BASE/build.log"
# shellcheck disable=SC2016 # expanded when lib.sh's EXIT trap evals it, not here
_TOOL_CLEANUP='[ -n "${TICKER_PID:-}" ] && kill "$TICKER_PID" 2>/dev/null'

make_src() {
  go_module_copy "$MODULE" "$VERSION" "$SRC"
  if grep -q '^replace github.com/traefik/traefik/dynamic/ext => ./pkg/config/dynamic/ext' "$SRC/go.mod" \
    && [ ! -f "$SRC/pkg/config/dynamic/ext/go.mod" ]; then
    mkdir -p "$SRC/pkg/config/dynamic/ext"
    printf 'module github.com/traefik/traefik/dynamic/ext\n\ngo 1.24.0\n' > "$SRC/pkg/config/dynamic/ext/go.mod"
    cat > "$SRC/pkg/config/dynamic/ext/ext.go" <<'EOF'
// Package ext stands in for traefik's nested module of the same path, which the module zip
// leaves out. Upstream it holds only these empty extension points.
package ext

// HTTP extends dynamic.HTTP.
type HTTP struct{}

// Router extends dynamic.Router.
type Router struct{}

// RouterIng extends the Ingress provider's router annotations.
type RouterIng struct{}

// ToRouter converts a RouterIng to a Router.
func (RouterIng) ToRouter() Router { return Router{} }
EOF
    log "wrote the empty extension module pkg/config/dynamic/ext"
  fi
}
step "source of $MODULE $VERSION" make_src

build() {
  rm -rf "$OUT"; mkdir -p "$OUT"
  local x="-X $MODULE/pkg/version"
  local ldflags
  ldflags="-s -w $x.Version=$VERSION $x.Codename=local $x.BuildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  log "(cd $SRC && CGO_ENABLED=0 GOFLAGS=-mod=mod nice -n 10 go build -v -trimpath -ldflags '$ldflags' -o $OUT/traefik ./cmd/traefik)"
  log "full build output: $BUILD_LOG (cold: ~7 min on 2 cores; progress every ${PROGRESS_EVERY}s)"
  local rc=0
  go_build_logged "$SRC" "$BUILD_LOG" -v -trimpath -ldflags "$ldflags" -o "$OUT/traefik" ./cmd/traefik || rc=$?
  if [ "$rc" -ne 0 ]; then
    tail -n 30 "$BUILD_LOG" >&2
    local refused; refused="$(go_refused "$BUILD_LOG")"
    [ -z "$refused" ] || log "the proxy refused (403): $(echo "$refused" | tr '\n' ' ')"
    die "go build failed (exit $rc); last lines above, full log: $BUILD_LOG" \
      "'403 ... not available': a dependency is not served here; try another TRAEFIK_VERSION (v3.6.12 is known to resolve)" \
      "out of disk: the module cache needs ~2.5 GB under $(go env GOMODCACHE), the build cache ~2.5 GB"
  fi
  "$OUT/traefik" version >&2 || die "the built traefik does not run"
  rm -rf "$BIN"; mv "$OUT" "$BIN"
  echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ) recipe=$RECIPE module=$MODULE@$VERSION go=$(go env GOVERSION)" > "$BIN/.complete"
  log "built: $(du -sh "$BIN/traefik" | cut -f1) $BIN/traefik"
}
step "build traefik $VERSION" build
total_time
echo "$BIN"
