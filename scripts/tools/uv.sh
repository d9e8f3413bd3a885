#!/usr/bin/env bash
# Make sure the pinned uv exists; print its path as the last stdout line.
#
# uv is installed from PyPI into its own venv under the cache (outside the repo), so a fresh
# clone on the same machine reuses it, and a new machine needs only python3 and PyPI.
set -euo pipefail
_TOOL_NAME=uv
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

UV_VERSION="${UV_VERSION:-0.13.8}"
home="$TODO_CACHE/uv/$UV_VERSION"
uv="$home/bin/uv"

install_uv() {
  need python3 "install Python 3.11 (Debian: apt-get install -y python3 python3-venv)"
  rm -rf "$home"
  python3 -m venv "$home" || die "python3 -m venv failed" "Debian: apt-get install -y python3-venv"
  "$home/bin/pip" install --quiet --disable-pip-version-check "uv==$UV_VERSION" >&2 \
    || die "pip could not install uv==$UV_VERSION from PyPI" "check that PyPI is reachable"
}

if [ -x "$uv" ] && "$uv" --version 2>/dev/null | grep -q " $UV_VERSION"; then
  :
else
  step "install uv $UV_VERSION into $home" install_uv
fi
echo "$uv"
