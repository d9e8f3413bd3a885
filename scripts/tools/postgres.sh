#!/usr/bin/env bash
# Make sure PostgreSQL server binaries (postgres, initdb, pg_ctl) exist.
#
#   scripts/tools/postgres.sh        -> last stdout line: the bin dir holding postgres/initdb/pg_ctl
#
# Order: $PG_BIN (if it has postgres) -> pg_ctl on PATH (its real dir) ->
#        newest /usr/lib/postgresql/*/bin -> `apt-get install -y postgresql` when root.
# The apt install is non-interactive and does not create or start Debian's system cluster
# (create_main_cluster = false, and a temporary policy-rc.d that forbids service starts).
# The stack runs its own private cluster (initdb in a temp dir, pg_ctl on a loopback port).
set -euo pipefail
_TOOL_NAME=postgres
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ -n "${DATABASE_URL:-}" ] && log "note: DATABASE_URL is set; a launcher may use that server instead of a private cluster"

has_server() { [ -x "$1/postgres" ] && [ -x "$1/initdb" ] && [ -x "$1/pg_ctl" ]; }

report() {
  log "using $1 ($("$1/postgres" --version 2>/dev/null | head -n1))${2:+ — $2}"
  total_time
  echo "$1"
  exit 0
}

find_bin() {
  if [ -n "${PG_BIN:-}" ]; then
    has_server "$PG_BIN" && report "$PG_BIN" "from PG_BIN"
    log "PG_BIN=$PG_BIN has no postgres/initdb/pg_ctl: ignoring it"
  fi
  local p d
  if p="$(command -v pg_ctl 2>/dev/null)"; then
    d="$(dirname "$(readlink -f "$p")")"
    has_server "$d" && report "$d" "pg_ctl on PATH ($p)"
    log "pg_ctl on PATH ($p -> $d) but no postgres/initdb beside it"
  fi
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    has_server "$d" && report "$d" "found under /usr/lib/postgresql"
  done
  return 0
}
step "look for PostgreSQL server binaries" find_bin

# --- not found: install --------------------------------------------------------------------------
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  die "no PostgreSQL server binaries found (looked at PG_BIN, pg_ctl on PATH, /usr/lib/postgresql/*/bin)." \
    "Debian/Ubuntu: sudo apt-get install -y postgresql   (then re-run this script)" \
    "or set PG_BIN=/path/to/postgres/bin (the dir holding postgres, initdb and pg_ctl)" \
    "or set DATABASE_URL to an existing server"
fi

install_pg() {
  export DEBIAN_FRONTEND=noninteractive
  # no system cluster: postgresql-common reads this before creating 'main'
  mkdir -p /etc/postgresql-common
  if [ ! -f /etc/postgresql-common/createcluster.conf ]; then
    echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.conf
    log "wrote /etc/postgresql-common/createcluster.conf (create_main_cluster = false)"
  fi
  # no service start during install (invoke-rc.d honours policy-rc.d exit 101)
  local policy=/usr/sbin/policy-rc.d made_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; made_policy=1
  fi
  local rc=0
  apt-get update -q >&2 || rc=$?
  [ "$rc" = 0 ] && { apt-get install -y -q -o Dpkg::Options::=--force-confold postgresql >&2 || rc=$?; }
  [ "$made_policy" = 1 ] && rm -f "$policy"
  [ "$rc" = 0 ] || die "apt-get install postgresql failed (exit $rc): see the apt output above." \
    "check the Debian mirror is reachable: apt-get update" \
    "or install PostgreSQL another way and set PG_BIN"
}
step "apt-get install postgresql (no system cluster, no service start)" install_pg

for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
  has_server "$d" && report "$d" "installed just now"
done
die "postgresql installed but no /usr/lib/postgresql/*/bin/postgres found" "look at: dpkg -L postgresql-\$(ls /usr/lib/postgresql | sort -V | tail -n1)"
