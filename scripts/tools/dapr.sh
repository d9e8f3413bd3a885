#!/usr/bin/env bash
# Build (once) and cache Dapr's binaries from the Go module proxy: daprd and scheduler (the
# standalone stack), and the control plane a Kubernetes cluster runs (operator, injector,
# sentry, placement; scripts/tools/cluster-images.sh puts all six into one dapr image). All six
# come from ONE `go build`, so their shared packages compile once.
#
#   scripts/tools/dapr.sh            -> last stdout line: the bin dir holding the six binaries
#
# Env:
#   DAPR_VERSION   build exactly this version (no leading v). Default: try 1.18.3, then 1.18.2,
#                  and build the first whose whole dependency set the module proxy serves.
#                  (On this project's machines 1.18.3 does NOT resolve: the proxy answers
#                  403 "This module version is not available" for three of its dependencies,
#                  github.com/dapr/durabletask-go@v0.12.4, github.com/iskorotkov/avro/v2@v2.33.1 and
#                  github.com/twmb/pulsar-client-go@v0.20.1-...; 1.18.2 resolves and builds.)
#   TODO_CACHE     cache root (default ~/.cache/todo); binaries go to
#                  $TODO_CACHE/dapr/<version>/bin, chart + CRDs to $TODO_CACHE/dapr/<version>/charts
#   DAPR_FORCE_BUILD=1  ignore ~/.dapr/bin and an existing cache, build again
#
# If ~/.dapr/bin/daprd (from `dapr init`) reports one of the wanted versions and the other five
# binaries sit beside it, that dir is used and nothing is built (`dapr init` alone installs only
# daprd, scheduler and placement, so usually our own build is used).
#
# One patch is applied to the build's copy of the source: in 1.18.x the scheduler ignores
# --healthz-listen-address and binds its healthz server on all interfaces; the patch wires the
# flag through (see patch_healthz below). RECIPE names the build recipe; a cached build with an
# older recipe is rebuilt (only the changed packages recompile: ~10 s with a warm Go cache).
#
# Why a copy of the module: dapr's go.mod has replace directives, so `go install ...@v` fails.
# The build runs `nice -n 10`, GOPATH/GOMODCACHE/GOCACHE stay at Go's defaults (outside the repo).
# Progress (a line every 30 s with elapsed time and packages compiled) goes to stderr.
set -euo pipefail
_TOOL_NAME=dapr
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=golib.sh
. "$(dirname "${BASH_SOURCE[0]}")/golib.sh"

MODULE=github.com/dapr/dapr
if [ -n "${DAPR_VERSION:-}" ]; then
  candidates=("${DAPR_VERSION#v}")
else
  candidates=(1.18.3 1.18.2)
fi
PROGRESS_EVERY="${DAPR_PROGRESS_EVERY:-30}"
FORCE="${DAPR_FORCE_BUILD:-0}"
# Bump RECIPE when the build recipe changes: a cached build with another recipe is rebuilt.
RECIPE="tags=allcomponents;patch=scheduler-healthz-listen-address;cmds=daprd,scheduler,operator,injector,sentry,placement;r2"
# The binaries the build makes; the cache (and a user's ~/.dapr/bin) must hold all of them.
CMDS=(daprd scheduler operator injector sentry placement)
CMD_PKGS=()
for c in "${CMDS[@]}"; do CMD_PKGS+=("./cmd/$c"); done
has_all() {  # has_all DIR: every binary of CMDS is executable in DIR
  local c
  for c in "${CMDS[@]}"; do [ -x "$1/$c" ] || return 1; done
}

# --- 1. a user's own Dapr install (dapr init puts daprd under ~/.dapr/bin) -------------------
user_bin="$HOME/.dapr/bin"
if [ "$FORCE" != 1 ] && [ -x "$user_bin/daprd" ]; then
  have="$("$user_bin/daprd" --version 2>/dev/null | head -n1 || true)"
  for v in "${candidates[@]}"; do
    if [ "${have#v}" = "$v" ] && has_all "$user_bin"; then
      log "using the existing Dapr install in $user_bin (daprd $have, ${CMDS[*]} present)"
      log "note: an unpatched 1.18.x scheduler binds its healthz port on all interfaces (--healthz-listen-address is ignored); set DAPR_FORCE_BUILD=1 to build the patched one"
      echo "$user_bin"
      exit 0
    fi
  done
  log "found $user_bin/daprd (version '${have:-unknown}'), but want ${candidates[*]} with ${CMDS[*]} beside it: using our own build"
fi

# --- 2. the cache ----------------------------------------------------------------------------
if [ "$FORCE" != 1 ]; then
  for v in "${candidates[@]}"; do
    b="$TODO_CACHE/dapr/$v/bin"
    if [ -f "$b/.complete" ] && [ -x "$b/daprd" ]; then
      if grep -qF "recipe=$RECIPE" "$b/.complete" && has_all "$b"; then
        log "cached: ${CMDS[*]} $v in $b ($(cat "$b/.complete"))"
        echo "$b"
        exit 0
      fi
      log "cached build in $b has another recipe ($(cat "$b/.complete")): rebuilding"
    fi
  done
fi

need go "install Go >= the version in dapr's go.mod (1.26.5 for 1.18.2, 1.26.6 for 1.18.3)"

# --- 3. pick a version whose module + dependencies the proxy serves --------------------------
# prepare VERSION: download the module, check Go, copy it to a writable dir and resolve every
# package the six commands need (go list -deps downloads the modules; a 403 shows up here in
# seconds instead of after a long compile). Returns non-zero if this version cannot be built.
VER="" MOD_DIR="" SRC=""
prepare() {
  local v="$1" json want have t0=$SECONDS
  log "trying dapr $v: go mod download -json $MODULE@v$v"
  if ! json="$(go mod download -json "$MODULE@v$v" 2>&1)"; then
    log "dapr $v: module not available: $(printf '%s' "$json" | sed -n 's/.*"Error": "\(.*\)".*/\1/p' | cut -c1-200)"
    return 1
  fi
  MOD_DIR="$(printf '%s' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [ -d "$MOD_DIR" ] || { log "dapr $v: no module dir in go mod download's output"; return 1; }
  log "dapr $v: module source $MOD_DIR"

  want="$(sed -n 's/^go \([0-9.]*\).*/\1/p' "$MOD_DIR/go.mod" | head -n1)"
  have="$(go env GOVERSION)"; have="${have#go}"
  if [ "$(printf '%s\n%s\n' "$want" "$have" | sort -V | head -n1)" != "$want" ]; then
    log "dapr $v needs go >= $want; installed go $have (GOTOOLCHAIN=$(go env GOTOOLCHAIN)) is too old"
    return 1
  fi
  log "dapr $v needs go >= $want; installed go $have: ok"

  SRC="$TODO_CACHE/dapr/$v/src.tmp"
  rm -rf "$SRC"; mkdir -p "$(dirname "$SRC")"
  cp -r "$MOD_DIR" "$SRC" && chmod -R u+w "$SRC" || { log "could not copy $MOD_DIR to $SRC"; return 1; }

  log "dapr $v: resolving dependencies (go list -deps -tags allcomponents ${CMD_PKGS[*]})"
  local out rc=0
  out="$(cd "$SRC" && CGO_ENABLED=0 GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=mod" \
           nice -n 10 go list -deps -tags allcomponents "${CMD_PKGS[@]}" 2>&1 >/dev/null)" || rc=$?
  if [ "$rc" -ne 0 ]; then
    log "dapr $v: dependencies do not resolve (after $((SECONDS - t0))s):"
    printf '%s\n' "$out" | grep -v '^go: downloading' | grep -o '[^ ]*@v[^:]*: reading [^ ]*: [0-9][0-9]* [A-Za-z]*' | sort -u | head -n 10 >&2 || true
    rm -rf "$SRC"; rmdir "$(dirname "$SRC")" 2>/dev/null || true
    return 1
  fi
  log "dapr $v: $(printf '%s\n' "$out" | grep -c '^go: downloading' || true) modules downloaded, all dependencies resolve ($((SECONDS - t0))s)"
  VER="$v"
}

pick() {
  local v
  for v in "${candidates[@]}"; do
    if prepare "$v"; then return 0; fi
  done
  die "none of dapr ${candidates[*]} can be built here (see the reasons above)." \
    "try another release: DAPR_VERSION=<x.y.z> $0   (check it with: go mod download -json $MODULE@v<x.y.z>)" \
    "or point DAPR_VERSION at a release whose dependencies the proxy serves (dapr init's ~/.dapr/bin lacks operator/injector/sentry)"
}
step "pick a buildable dapr version" pick
BASE="$TODO_CACHE/dapr/$VER"
BIN="$BASE/bin"
[ "$VER" = "${candidates[0]}" ] || log "NOTE: building dapr $VER instead of ${candidates[0]} (see above why)"
_TOOL_CLEANUP='[ -n "${TICKER_PID:-}" ] && kill "$TICKER_PID" 2>/dev/null; rm -rf "$SRC"'

# --- 4. charts + CRDs ------------------------------------------------------------------------
copy_charts() {
  if [ -d "$MOD_DIR/charts/dapr" ]; then
    rm -rf "$BASE/charts.tmp"
    mkdir -p "$BASE/charts.tmp"
    cp -r "$MOD_DIR/charts/dapr" "$BASE/charts.tmp/dapr"
    chmod -R u+w "$BASE/charts.tmp"
    rm -rf "$BASE/charts"
    mv "$BASE/charts.tmp" "$BASE/charts"
    log "helm chart: $BASE/charts/dapr ; CRDs: $BASE/charts/dapr/crds ($(ls "$BASE/charts/dapr/crds" 2>/dev/null | tr '\n' ' '))"
  else
    log "no charts/dapr in the module: skipping chart copy"
  fi
}
step "copy helm chart + CRDs" copy_charts

# --- 5. patch: scheduler --healthz-listen-address ----------------------------------------------
# In dapr 1.18.x the scheduler parses --healthz-listen-address but never passes it on: its
# healthz server always binds [::]:<healthz-port> (all interfaces). This patch (to the build's
# own copy of the source) makes the healthz server honour it, so everything binds to loopback.
patch_healthz() {
  local srv="$SRC/pkg/healthz/server/server.go" app="$SRC/cmd/scheduler/app/app.go"
  if grep -q 'HealthzListenAddress' "$app"; then
    log "scheduler already wires --healthz-listen-address: no patch needed"; return 0
  fi
  sed -i \
    -e 's/^\tPort     int$/\tPort     int\n\tListenAddress string/' \
    -e 's/^\tport    int$/\tport    int\n\tlistenAddress string/' \
    -e 's/^\t\tport:    opts.Port,$/\t\tport:    opts.Port,\n\t\tlistenAddress: opts.ListenAddress,/' \
    -e 's/net.Listen("tcp", fmt.Sprintf(":%d", s.port))/net.Listen("tcp", net.JoinHostPort(s.listenAddress, fmt.Sprint(s.port)))/' \
    "$srv"
  sed -i -e 's/^\t\t\tPort:    opts.HealthzPort,$/\t\t\tPort:    opts.HealthzPort,\n\t\t\tListenAddress: opts.HealthzListenAddress,/' "$app"
  if [ "$(grep -c 'ListenAddress\|listenAddress' "$srv")" -lt 4 ] || ! grep -q 'ListenAddress: opts.HealthzListenAddress' "$app"; then
    die "could not apply the scheduler healthz listen-address patch to dapr $VER (source changed?)" \
      "look at $srv and $app, or run without it: the scheduler's healthz then binds all interfaces"
  fi
  log "patched $srv + cmd/scheduler/app/app.go (healthz server honours --healthz-listen-address)"
}
step "patch scheduler healthz listen address" patch_healthz

# --- 6. build ----------------------------------------------------------------------------------
OUT="$BASE/bin.tmp"
BUILD_LOG="$BASE/build.log"
build() {
  rm -rf "$OUT"; mkdir -p "$OUT"
  local ldflags="-s -w -X $MODULE/pkg/buildinfo.version=$VER"
  log "(cd $SRC && CGO_ENABLED=0 GOFLAGS=-mod=mod nice -n 10 go build -v -trimpath -tags allcomponents -ldflags \"$ldflags\" -o $OUT/ ${CMD_PKGS[*]})"
  log "full build output: $BUILD_LOG (cold build: 15-30 min on 2 cores; progress every ${PROGRESS_EVERY}s)"
  local rc=0
  go_build_logged "$SRC" "$BUILD_LOG" -v -trimpath -tags allcomponents -ldflags "$ldflags" \
    -o "$OUT/" "${CMD_PKGS[@]}" || rc=$?
  if [ "$rc" -ne 0 ]; then
    tail -n 30 "$BUILD_LOG" >&2
    die "go build failed (exit $rc); last lines above, full log: $BUILD_LOG" \
      "'requires go >= X': install a newer Go or set DAPR_VERSION to an older release" \
      "'403 ... not available': that dependency is not served here; set DAPR_VERSION to another release" \
      "other network errors: check GOPROXY=$(go env GOPROXY) and re-run (downloads resume from the module cache)" \
      "out of disk: the module + build caches need several GB under $(go env GOMODCACHE) and $(go env GOCACHE)"
  fi
  "$OUT/daprd" --version >/dev/null 2>&1 || die "built $OUT/daprd does not run ('daprd --version' failed)"
  has_all "$OUT" || die "go build made only $(cd "$OUT" && echo *), not all of ${CMDS[*]}"
  rm -rf "$BIN"; mv "$OUT" "$BIN"
  echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ) recipe=$RECIPE" > "$BIN/.complete"
  local c sizes=""
  for c in "${CMDS[@]}"; do sizes="$sizes $c $(du -h "$BIN/$c" | cut -f1)"; done
  log "daprd --version: $("$BIN/daprd" --version 2>&1 | head -n1);$sizes"
}
step "build ${CMDS[*]} $VER" build
rm -rf "$SRC"
total_time
echo "$BIN"
