#!/usr/bin/env bash
# podman for the image tests: Debian's podman + runc + mmdebstrap, and a private configuration.
# Prints the config dir (last stdout line); use it as
#
#   CONF="$(scripts/tools/podman.sh | tail -n1)"
#   CONTAINERS_CONF=$CONF/containers.conf CONTAINERS_STORAGE_CONF=$CONF/storage.conf podman ...
#
# Why a private configuration (not /etc/containers):
#   - runtime runc: crun fails on this kind of machine (cgroup v1 hybrid);
#   - lowered default_ulimits: podman otherwise asks for rlimits above what root may set here;
#   - cgroupfs and a file events log: there is no systemd;
#   - storage under $TODO_CACHE/podman: the tests' images and layer cache stay in one place that
#     `rm -rf` can clean, apart from anything else on the machine.
# Missing packages are installed with apt-get (as root), or the script says what to install.
set -euo pipefail
_TOOL_NAME=podman
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CONF="$TODO_CACHE/podman/conf"
PKGS=(podman runc mmdebstrap uidmap fuse-overlayfs)

missing=()
for cmd in podman runc mmdebstrap newuidmap; do command -v "$cmd" >/dev/null 2>&1 || missing+=("$cmd"); done
if [ "${#missing[@]}" -gt 0 ]; then
  [ "$(id -u)" = 0 ] || die "missing: ${missing[*]}" "run: sudo apt-get install --no-install-recommends ${PKGS[*]}"
  install_pkgs() {
    apt-get update -q >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${PKGS[@]}" >&2
  }
  step "apt-get install ${PKGS[*]}" install_pkgs
fi

mkdir -p "$CONF" "$TODO_CACHE/podman/storage" "$TODO_CACHE/podman/run"
cat > "$CONF/containers.conf" <<EOF
# Written by scripts/tools/podman.sh; see there why.
[containers]
default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]
log_driver = "k8s-file"
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
cat > "$CONF/storage.conf" <<EOF
# Written by scripts/tools/podman.sh.
[storage]
driver = "overlay"
graphroot = "$TODO_CACHE/podman/storage"
runroot = "$TODO_CACHE/podman/run"
EOF
log "podman $(podman --version | awk '{print $3}'), runc $(runc --version | head -n1 | awk '{print $3}'); config in $CONF"
echo "$CONF"
