#!/usr/bin/env bash
# Stand-in base images for docker/*.Dockerfile, made from Debian packages with mmdebstrap and
# imported into the private podman storage (scripts/tools/podman.sh) under the Dockerfiles' FROM
# names. NOT the real images: no registry is reachable here, so python:3.11.14-slim-bookworm,
# node:20.20.2-bookworm-slim and nginxinc/nginx-unprivileged:1.28.0-alpine cannot be pulled.
# What differs, on purpose and only as far as the Dockerfiles need:
#   python  Debian bookworm's python3 (3.11.2) + pip, linked at /usr/local/bin like the official
#           image; pip's "externally managed" marker removed (the official image has none).
#   node    Debian minbase + the Node.js 20.20.2 files of this machine's own `nodejs` package
#           (Debian ships 18, and Vite 8 needs >= 20.19).
#   nginx   Debian bookworm's nginx 1.22 (not Alpine's 1.28) + wget for the HEALTHCHECK.
# Each also carries this machine's CA settings as ENV (SSL_CERT_FILE, PIP_CERT,
# NODE_EXTRA_CA_CERTS): TLS to the package registries is intercepted here, and the builds mount
# the host's CA bundle at /etc/ssl/certs/ca-certificates.crt.
#
#   scripts/tools/base-images.sh     -> last stdout line: the dir holding the base tarballs
#   (<base>-r<recipe>.tar; each image is labelled todo.stand-in=<base>-r<recipe>)
# Cold: ~2-4 min (three mmdebstrap runs); warm: an image-exists check.
set -euo pipefail
_TOOL_NAME=base-images
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
. "$HERE/lib.sh"

CONF="$(bash "$HERE/podman.sh" | tail -n1)"
export CONTAINERS_CONF="$CONF/containers.conf" CONTAINERS_STORAGE_CONF="$CONF/storage.conf"
SUITE=bookworm
OUT="$TODO_CACHE/base-images"
# Bump a base's recipe when its recipe below changes: only that base is made again.
declare -A RECIPES=([python]=python-r1 [node]=node-r2 [nginx]=nginx-r1)
CA_ENV=(--change "ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"
        --change "ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt"
        --change "ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt")

declare -A TAGS=(
  [python]=docker.io/library/python:3.11.14-slim-bookworm
  [node]=docker.io/library/node:20.20.2-bookworm-slim
  [nginx]=docker.io/nginxinc/nginx-unprivileged:1.28.0-alpine
)

# The Node.js files of the host's package (binary, npm, headers), as a list for tar.
node_files() {
  dpkg -L nodejs >/dev/null 2>&1 || die "no 'nodejs' package on this machine to take Node 20 from" \
    "install Node.js >= 20.19 as a Debian package (e.g. NodeSource's), then re-run"
  # npm may have been upgraded in place (npm i -g npm): take its whole tree, not dpkg's list.
  {
    dpkg -L nodejs | while read -r f; do if [ -f "$f" ] || [ -L "$f" ]; then echo "${f#/}"; fi; done \
      | grep -v '^usr/lib/node_modules/npm/'
    find /usr/lib/node_modules/npm \( -type f -o -type l \) | sed 's|^/||'
  } > "$OUT/node.files"
}

# The hooks are single-quoted on purpose: mmdebstrap runs them later with $1 = the new root.
# shellcheck disable=SC2016
strap() {  # strap NAME PACKAGES HOOK...
  local name="$1" pkgs="$2"; shift 2
  local hooks=() h
  for h in "$@"; do hooks+=(--customize-hook="$h"); done
  nice -n 10 mmdebstrap --quiet --variant=minbase --include="$pkgs" \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*' \
    --format=tar "${hooks[@]}" "$SUITE" "$OUT/${RECIPES[$name]}.tar.tmp" >&2
  mv "$OUT/${RECIPES[$name]}.tar.tmp" "$OUT/${RECIPES[$name]}.tar"
}

# shellcheck disable=SC2016 # see strap
make_tars() {
  mkdir -p "$OUT"
  [ -f "$OUT/${RECIPES[python]}.tar" ] || strap python python3,python3-pip,ca-certificates \
    'ln -sf /usr/bin/python3 "$1"/usr/local/bin/python3' \
    'ln -sf /usr/bin/python3 "$1"/usr/local/bin/python' \
    'ln -sf /usr/bin/pip3 "$1"/usr/local/bin/pip' \
    'rm -f "$1"/usr/lib/python3*/EXTERNALLY-MANAGED'
  if [ ! -f "$OUT/${RECIPES[node]}.tar" ]; then
    node_files
    strap node ca-certificates "tar -C / -cf - -T '$OUT/node.files' | tar -C \"\$1\" -xf -"
  fi
  [ -f "$OUT/${RECIPES[nginx]}.tar" ] || strap nginx nginx-light,wget,ca-certificates \
    'mkdir -p "$1"/usr/share/nginx/html' 'rm -f "$1"/etc/nginx/sites-enabled/default'
}

import_all() {
  local name
  for name in python node nginx; do
    if podman image exists "${TAGS[$name]}" \
      && [ "$(podman image inspect --format '{{index .Labels "todo.stand-in"}}' "${TAGS[$name]}")" = "${RECIPES[$name]}" ]; then
      continue
    fi
    podman import --quiet "${CA_ENV[@]}" --change "LABEL todo.stand-in=${RECIPES[$name]}" \
      --change 'CMD ["/bin/bash"]' "$OUT/${RECIPES[$name]}.tar" "${TAGS[$name]}" >/dev/null
    log "imported ${TAGS[$name]} (stand-in from $OUT/${RECIPES[$name]}.tar)"
  done
}

if [ -f "$OUT/${RECIPES[python]}.tar" ] && [ -f "$OUT/${RECIPES[node]}.tar" ] && [ -f "$OUT/${RECIPES[nginx]}.tar" ]; then
  log "cached: $OUT/{${RECIPES[*]}}.tar"
else
  need mmdebstrap "run scripts/tools/podman.sh as root (it installs mmdebstrap)"
  step "mmdebstrap the stand-in bases ($SUITE)" make_tars
fi
step "import them as ${TAGS[*]}" import_all
total_time
echo "$OUT"
