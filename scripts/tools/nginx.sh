#!/usr/bin/env bash
# Fetch (once) Debian's nginx WITHOUT installing the package (no daemon registered or started):
# `apt-get download nginx nginx-common` + `dpkg-deb -x` into the cache. The tests run the
# cluster's web server configuration (docker/nginx.conf) with it against the built web app.
#
#   scripts/tools/nginx.sh     -> last stdout line: the dir holding `nginx` and `mime.types`
#
# Env: TODO_CACHE (default ~/.cache/todo; files go to $TODO_CACHE/nginx/<version>/),
#      NGINX_FORCE_FETCH=1 to fetch again.
# The version is apt's candidate (Debian 12: 1.22.1; the frontend image runs nginx 1.28, whose
# configuration language is the same for what docker/nginx.conf uses). Needs the libraries
# nginx links (libpcre2, libssl, zlib), which Debian systems have. Root only for apt-get update.
set -euo pipefail
_TOOL_NAME=nginx
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=aptlib.sh
. "$(dirname "${BASH_SOURCE[0]}")/aptlib.sh"

FORCE="${NGINX_FORCE_FETCH:-0}"

complete_in() { [ -f "$1/.complete" ] && [ -x "$1/nginx" ] && [ -f "$1/mime.types" ]; }

if [ "$FORCE" != 1 ]; then
  for d in $(ls -d "$TODO_CACHE"/nginx/*/bin 2>/dev/null | sort -V -r); do
    if complete_in "$d"; then
      log "cached: $d ($(cat "$d/.complete"))"
      total_time
      echo "$d"
      exit 0
    fi
  done
fi

step "look up apt candidates" apt_versions nginx nginx-common
NGINX_VER="${APT_VERSIONS[nginx]}" COMMON_VER="${APT_VERSIONS[nginx-common]}"

VER="${NGINX_VER#*:}"; VER="${VER%%-*}"
BIN="$TODO_CACHE/nginx/$VER/bin"
WORK="$TODO_CACHE/nginx/$VER/fetch.tmp"
_TOOL_CLEANUP='rm -rf "$WORK"'

fetch() {
  apt_unpack "$WORK" "nginx=$NGINX_VER" "nginx-common=$COMMON_VER"
  rm -rf "$BIN.tmp"; mkdir -p "$BIN.tmp"
  [ -x "$WORK/root/usr/sbin/nginx" ] || die "no usr/sbin/nginx in the unpacked packages" \
    "look at: dpkg-deb -c $WORK/debs/*.deb | grep sbin/"
  cp "$WORK/root/usr/sbin/nginx" "$BIN.tmp/nginx"
  cp "$WORK/root/etc/nginx/mime.types" "$BIN.tmp/mime.types"
  "$BIN.tmp/nginx" -v >/dev/null 2>&1 || die "the unpacked nginx does not run (missing libraries?)" \
    "try: ldd $BIN.tmp/nginx"
  echo "fetched=$(date -u +%Y-%m-%dT%H:%M:%SZ) nginx=$NGINX_VER nginx-common=$COMMON_VER" > "$BIN.tmp/.complete"
  rm -rf "$BIN"; mv "$BIN.tmp" "$BIN"
  rm -rf "$WORK"
}
step "apt-get download + dpkg-deb -x nginx $NGINX_VER" fetch
total_time
echo "$BIN"
