#!/usr/bin/env bash
# Make sure Debian's Chromium exists for the browser tests (Playwright drives it; it cannot
# download its own browsers here).
#
#   scripts/tools/chromium.sh        -> last stdout line: the chromium executable
#
# Order: $TODO_CHROMIUM (if executable) -> /usr/bin/chromium -> `apt-get install -y chromium`
# when root. Anything else is a clear error: the browser tests fail without a browser.
set -euo pipefail
_TOOL_NAME=chromium
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

report() {
  log "using $1 ($("$1" --version 2>/dev/null | head -n1))${2:+ — $2}"
  total_time
  echo "$1"
  exit 0
}

if [ -n "${TODO_CHROMIUM:-}" ]; then
  [ -x "$TODO_CHROMIUM" ] && report "$TODO_CHROMIUM" "from TODO_CHROMIUM"
  log "TODO_CHROMIUM=$TODO_CHROMIUM is not an executable: ignoring it"
fi
[ -x /usr/bin/chromium ] && report /usr/bin/chromium

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  die "Chromium not found at /usr/bin/chromium, and this is not root with apt-get." \
    "Debian/Ubuntu: sudo apt-get install -y chromium   (then re-run)" \
    "or set TODO_CHROMIUM=/path/to/chromium (a Chromium or Chrome executable)"
fi

install_chromium() {
  export DEBIAN_FRONTEND=noninteractive
  local rc=0
  apt-get update -q >&2 || rc=$?
  [ "$rc" = 0 ] && { apt-get install -y -q chromium >&2 || rc=$?; }
  [ "$rc" = 0 ] || die "apt-get install chromium failed (exit $rc): see the apt output above." \
    "check the Debian mirror is reachable: apt-get update" \
    "or install Chromium another way and set TODO_CHROMIUM"
}
step "apt-get install chromium" install_chromium

[ -x /usr/bin/chromium ] && report /usr/bin/chromium "installed just now"
die "chromium installed but /usr/bin/chromium is missing" "look at: dpkg -L chromium | grep bin/"
