#!/usr/bin/env bash
# Build (once) and cache cert-manager's controller, webhook and cainjector from the Go module
# proxy; print their bin dir (last stdout line).
#
#   CERT_MANAGER_BIN="$(scripts/tools/cert-manager.sh | tail -n1)"
#   # $CERT_MANAGER_BIN/cert-manager-{controller,webhook,cainjector}
#
# Env: CERT_MANAGER_VERSION (default v1.11.5), TODO_CACHE (default ~/.cache/todo).
#
# Why v1.11.5, an old (unsupported) release: since v1.12 the commands live in their own nested
# modules (cmd/controller/go.mod says `module github.com/cert-manager/cert-manager/controller-binary`,
# likewise webhook-binary, cainjector-binary). Nested modules never ship in the parent's zip and
# these are never published (their path does not match their directory), so the proxy answers
# 404 for them and the v1.12+ zips (served: v1.21.0-v1.21.2) hold only the libraries, no
# cmd/*/app code. v1.11.5 is the newest release with cmd/ inside the root module; v1.11.6 answers
# 403. It was built against k8s.io/* v0.26 and supported Kubernetes 1.21-1.26: it uses only
# stable APIs (cert-manager.io/v1 CRDs, admissionregistration/v1, coordination/v1 leases,
# networking/v1 Ingress), but it is not tested with 1.37 and gets no security fixes. Good enough
# for a local cluster's self-signed/CA ClusterIssuer; not for anything exposed.
# Why built from a copy of the module: its go.mod has a replace (miekg/dns), so `go install`
# is refused. acmesolver (ACME HTTP-01 only; ACME servers are unreachable here) is not built.
# Cold: ~3.5 min measured (25 s download, 181 s compile); warm: a file check.
#
# Manifests, all in the module zip ($(go env GOMODCACHE)/github.com/cert-manager/cert-manager@<version>):
#   deploy/charts/cert-manager/        the Helm chart's sources (RBAC, Deployments, webhook
#                                      configurations), as Chart.template.yaml, without the CRDs
#   deploy/crds/crd-*.yaml             the six CRDs, with Helm template strings in their labels
# This script assembles them the way upstream's make/manifests.mk does into a renderable chart,
# $TODO_CACHE/cert-manager/<version>/chart/cert-manager (the bin dir's ../chart/cert-manager):
#   helm template cert-manager <that dir> -n cert-manager --set installCRDs=true \
#     --set image.repository=<local>,webhook.image.repository=<local>,cainjector.image.repository=<local>
# (v1.21.2's zip has plain CRDs in deploy/crds/, usable for schema validation.)
set -euo pipefail
_TOOL_NAME=cert-manager
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=golib.sh
. "$(dirname "${BASH_SOURCE[0]}")/golib.sh"

VERSION="${CERT_MANAGER_VERSION:-v1.11.5}"
MODULE=github.com/cert-manager/cert-manager
PROGRESS_EVERY="${CERT_MANAGER_PROGRESS_EVERY:-30}"
CMDS=(controller webhook cainjector)
# Bump RECIPE when the build recipe changes: a cached build with another recipe is rebuilt.
RECIPE="cmds=${CMDS[*]};cgo=0;chart;r1"
BASE="$TODO_CACHE/cert-manager/$VERSION"
BIN="$BASE/bin"
CHART="$BASE/chart/cert-manager"

if [ -f "$CHART/Chart.yaml" ] && cached_bin "$BIN" "$RECIPE" "${CMDS[@]/#/cert-manager-}"; then exit 0; fi
need go "install Go >= the go line of $MODULE $VERSION's go.mod (Debian's golang or https://go.dev/dl/)"

SRC="$BASE/src"
OUT="$BASE/bin.tmp"
BUILD_LOG="$BASE/build.log"
# shellcheck disable=SC2016 # expanded when lib.sh's EXIT trap evals it, not here
_TOOL_CLEANUP='[ -n "${TICKER_PID:-}" ] && kill "$TICKER_PID" 2>/dev/null'

make_src() {
  go_module_copy "$MODULE" "$VERSION" "$SRC"
  local c
  for c in "${CMDS[@]}"; do
    if [ ! -f "$SRC/cmd/$c/main.go" ] || [ -f "$SRC/cmd/$c/go.mod" ]; then
      die "$MODULE $VERSION has no cmd/$c in its module zip (v1.12+ moved the commands to nested modules the proxy does not serve)" \
        "use CERT_MANAGER_VERSION=v1.11.5, the newest release with the commands in the root module"
    fi
  done
}
step "source of $MODULE $VERSION" make_src

# The Helm chart as upstream's release assembles it: Chart.yaml with the version, and the CRDs
# in templates/crds.yaml behind `installCRDs`.
make_chart() {
  rm -rf "$CHART"; mkdir -p "$(dirname "$CHART")"
  cp -r "$SRC/deploy/charts/cert-manager" "$CHART"
  sed -e "s/^version: .*/version: $VERSION/" -e "s/^appVersion: .*/appVersion: $VERSION/" \
    -e 's/{{IS_PRERELEASE}}/false/' "$CHART/Chart.template.yaml" > "$CHART/Chart.yaml"
  rm -f "$CHART/Chart.template.yaml" "$CHART/README.template.md" "$CHART/signkey_annotation.txt"
  local f
  {
    echo '{{- if .Values.installCRDs }}'
    for f in "$SRC"/deploy/crds/crd-*.yaml; do echo '---'; cat "$f"; done
    echo '{{- end }}'
  } > "$CHART/templates/crds.yaml"
  log "chart: $CHART ($(find "$SRC/deploy/crds" -name 'crd-*.yaml' | wc -l) CRDs behind installCRDs)"
}
step "helm chart of cert-manager $VERSION" make_chart

build() {
  rm -rf "$OUT"; mkdir -p "$OUT"
  local pkgs=() c
  for c in "${CMDS[@]}"; do pkgs+=("./cmd/$c"); done
  local x="-X $MODULE/pkg/util"
  local ldflags="-s -w $x.AppVersion=$VERSION $x.AppGitCommit=module-proxy"
  log "(cd $SRC && CGO_ENABLED=0 GOFLAGS=-mod=mod nice -n 10 go build -v -trimpath -ldflags '$ldflags' -o $OUT/ ${pkgs[*]})"
  log "full build output: $BUILD_LOG (cold: ~3 min on 2 cores; progress every ${PROGRESS_EVERY}s)"
  local rc=0
  go_build_logged "$SRC" "$BUILD_LOG" -v -trimpath -ldflags "$ldflags" -o "$OUT/" "${pkgs[@]}" || rc=$?
  if [ "$rc" -ne 0 ]; then
    tail -n 30 "$BUILD_LOG" >&2
    local refused; refused="$(go_refused "$BUILD_LOG")"
    [ -z "$refused" ] || log "the proxy refused (403): $(echo "$refused" | tr '\n' ' ')"
    die "go build failed (exit $rc); last lines above, full log: $BUILD_LOG" \
      "'403 ... not available': a dependency is not served here; v1.11.5 is known to resolve" \
      "out of disk: the build cache needs ~2 GB under $(go env GOCACHE)"
  fi
  for c in "${CMDS[@]}"; do
    mv "$OUT/$c" "$OUT/cert-manager-$c"
    "$OUT/cert-manager-$c" --help >/dev/null 2>&1 || die "the built cert-manager-$c does not run"
  done
  rm -rf "$BIN"; mv "$OUT" "$BIN"
  echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ) recipe=$RECIPE module=$MODULE@$VERSION go=$(go env GOVERSION)" > "$BIN/.complete"
  log "built: $(cd "$BIN" && du -sh -- * | tr '\t\n' ' ')"
}
step "build cert-manager ${CMDS[*]} $VERSION" build
total_time
echo "$BIN"
