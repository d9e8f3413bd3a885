#!/usr/bin/env bash
# Fetch (once) Debian's Prometheus and Alertmanager binaries WITHOUT installing the packages, so
# no daemon is registered or started: `apt-get download` + `dpkg-deb -x` into the cache.
#
#   scripts/tools/prometheus.sh      -> last stdout line: the dir holding promtool, amtool,
#                                       prometheus and alertmanager
#
# Used by backend/tests/monitoring (promtool check/test rules, amtool check-config) and by hand:
#   BIN="$(scripts/tools/prometheus.sh)"; "$BIN/promtool" test rules monitoring/prometheus/tests/*.yml
#
# Env:
#   TODO_CACHE   cache root (default ~/.cache/todo); binaries go to
#                $TODO_CACHE/prometheus/<prometheus version>/bin (the .debs' /usr/bin)
#   PROMETHEUS_FORCE_FETCH=1   fetch again even when the cache is complete
#
# The version is whatever apt's candidate is (Debian 12: prometheus 2.42.0+ds-5+deb12u1,
# prometheus-alertmanager 0.25.0-1+b4); both are recorded in bin/.complete. Debian's
# /usr/bin/prometheus-alertmanager is copied as `alertmanager`. `apt-get update`
# runs only when apt knows no candidate. Nothing here needs root except that update.
set -euo pipefail
_TOOL_NAME=prometheus
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=aptlib.sh
. "$(dirname "${BASH_SOURCE[0]}")/aptlib.sh"

BINARIES=(promtool amtool prometheus alertmanager)
FORCE="${PROMETHEUS_FORCE_FETCH:-0}"

complete_in() {  # complete_in DIR: every binary present and the marker written
  local b
  [ -f "$1/.complete" ] || return 1
  for b in "${BINARIES[@]}"; do [ -x "$1/$b" ] || return 1; done
}

report() {
  log "promtool: $("$1/promtool" --version 2>&1 | head -n1)"
  log "amtool:   $("$1/amtool" --version 2>&1 | head -n1)"
  total_time
  echo "$1"
  exit 0
}

# --- 1. the cache (any version: the newest complete one) ---------------------------------------
if [ "$FORCE" != 1 ]; then
  for d in $(ls -d "$TODO_CACHE"/prometheus/*/bin 2>/dev/null | sort -V -r); do
    if complete_in "$d"; then
      log "cached: $d ($(cat "$d/.complete"))"
      report "$d"
    fi
  done
fi

# --- 2. which versions apt would fetch -----------------------------------------------------------
step "look up apt candidates" apt_versions prometheus prometheus-alertmanager
PROM_VER="${APT_VERSIONS[prometheus]}" AM_VER="${APT_VERSIONS[prometheus-alertmanager]}"

# Cache key: the upstream version of Prometheus (2.42.0+ds-5+deb12u1 -> 2.42.0).
VER="${PROM_VER#*:}"; VER="${VER%%+*}"; VER="${VER%%-*}"
BASE="$TODO_CACHE/prometheus/$VER"
BIN="$BASE/bin"
WORK="$BASE/fetch.tmp"
_TOOL_CLEANUP='rm -rf "$WORK"'

# --- 3. download + unpack ------------------------------------------------------------------------
fetch() {
  apt_unpack "$WORK" "prometheus=$PROM_VER" "prometheus-alertmanager=$AM_VER"
  local b src
  rm -rf "$BIN.tmp"; mkdir -p "$BIN.tmp"
  for b in "${BINARIES[@]}"; do
    src="$b"
    # Debian renames the daemon: /usr/bin/prometheus-alertmanager.
    [ "$b" = alertmanager ] && src=prometheus-alertmanager
    [ -x "$WORK/root/usr/bin/$src" ] || die "no usr/bin/$src in the unpacked packages" \
      "look at: dpkg-deb -c $WORK/debs/*.deb | grep bin/"
    cp "$WORK/root/usr/bin/$src" "$BIN.tmp/$b"
  done
  "$BIN.tmp/promtool" --version >/dev/null 2>&1 || die "the unpacked promtool does not run" \
    "try: $BIN.tmp/promtool --version"
  "$BIN.tmp/amtool" --version >/dev/null 2>&1 || die "the unpacked amtool does not run" \
    "try: $BIN.tmp/amtool --version"
  echo "fetched=$(date -u +%Y-%m-%dT%H:%M:%SZ) prometheus=$PROM_VER prometheus-alertmanager=$AM_VER" > "$BIN.tmp/.complete"
  rm -rf "$BIN"; mv "$BIN.tmp" "$BIN"
  rm -rf "$WORK"
}
step "apt-get download + dpkg-deb -x prometheus $PROM_VER, alertmanager $AM_VER" fetch
report "$BIN"
