#!/bin/bash
# PostgreSQL 15 for a local cluster, with the official image's first-start semantics as far as
# the project needs them: on an empty PGDATA, initdb with POSTGRES_USER as superuser and
# POSTGRES_PASSWORD as its password, then create POSTGRES_DB. Then run postgres in the
# foreground (arguments are passed on to it, e.g. -c max_connections=50).
#
# Env (defaults in brackets):
#   POSTGRES_PASSWORD          superuser password; required unless POSTGRES_HOST_AUTH_METHOD=trust
#   POSTGRES_USER              superuser name [postgres]
#   POSTGRES_DB                database made on first start [POSTGRES_USER]
#   POSTGRES_HOST_AUTH_METHOD  pg_hba method for TCP connections from anywhere [scram-sha-256]
#   POSTGRES_INITDB_ARGS       more initdb flags []
#   PGDATA                     [/var/lib/postgresql/data/pgdata]: a directory BELOW the volume's
#                              mount point, so initdb can own it whatever the volume root is
#   POSTGRES_LISTEN_ADDRESSES  [0.0.0.0], port 5432 (PGPORT)
# Runs as uid 999 (postgres; initdb needs the uid in /etc/passwd). The Unix socket goes to
# /var/run/postgresql when that is writable (mount an emptyDir there with a read-only root),
# otherwise only TCP is served. /docker-entrypoint-initdb.d scripts are NOT supported.
set -euo pipefail

PGDATA="${PGDATA:-/var/lib/postgresql/data/pgdata}"
export PGDATA
user="${POSTGRES_USER:-postgres}"
db="${POSTGRES_DB:-$user}"
auth="${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}"
say() { echo "postgres-entrypoint: $*" >&2; }

mkdir -p "$PGDATA" || { say "cannot create $PGDATA (uid $(id -u)): mount a writable volume at $(dirname "$PGDATA")"; exit 1; }
chmod 700 "$PGDATA"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$auth" != trust ]; then
    say "PGDATA is empty and POSTGRES_PASSWORD is not set: set it (or POSTGRES_HOST_AUTH_METHOD=trust)"
    exit 1
  fi
  say "initdb in $PGDATA (superuser $user, database $db, host auth $auth)"
  # shellcheck disable=SC2206 # POSTGRES_INITDB_ARGS is a list of flags
  args=(-D "$PGDATA" --username="$user" --auth-local=trust --auth-host="$auth"
        --encoding=UTF8 --locale=C.UTF-8 ${POSTGRES_INITDB_ARGS:-})
  if [ -n "${POSTGRES_PASSWORD:-}" ]; then
    # the password through a pipe, never a file (the root file system may be read-only)
    initdb "${args[@]}" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") >&2
  else
    initdb "${args[@]}" >&2
  fi
  printf '\n# from postgres-entrypoint: TCP from anywhere, with a password\nhost all all all %s\n' "$auth" >> "$PGDATA/pg_hba.conf"
  if [ "$db" != postgres ]; then
    # single-user mode: no server, no socket needed
    printf 'CREATE DATABASE "%s";\n' "${db//\"/\"\"}" | postgres --single -D "$PGDATA" postgres >/dev/null
    say "created database $db"
  fi
fi

sockets=/var/run/postgresql
if ! [ -w "$sockets" ]; then
  say "$sockets is not writable: no Unix socket, TCP only"
  sockets=""
fi
say "starting postgres on ${POSTGRES_LISTEN_ADDRESSES:-0.0.0.0}:${PGPORT:-5432}"
exec postgres -D "$PGDATA" -c listen_addresses="${POSTGRES_LISTEN_ADDRESSES:-0.0.0.0}" \
  -c unix_socket_directories="$sockets" "$@"
