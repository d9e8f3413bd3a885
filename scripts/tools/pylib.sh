# shellcheck shell=bash
# py_tool NAME VERSION COMMAND: install a pinned Python tool once into its own venv under
# $TODO_CACHE/NAME/VERSION/venv and print the path of COMMAND in it (last stdout line).
# Source lib.sh first.
#
# Why own venvs and not the backend's dev group: checkov alone pins ~100 packages (boto3,
# numpy, aiohttp, ...) that would bloat backend/uv.lock and could clash with the app's own
# pins; one venv per tool keeps each tool's dependency set locked on its own and removable.
# The locks are requirements/NAME.txt (every transitive pin with hashes, installed with
# --require-hashes). Relock after a version bump:
#   PYTOOL_RELOCK=1 scripts/tools/NAME.sh
# The pinned uv (scripts/tools/uv.sh) does the work; it only needs python3 and PyPI.
py_tool() {
  local name="$1" version="$2" command="$3"
  local here; here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
  local lock="$here/requirements/$name.txt"
  local home="$TODO_CACHE/$name/$version"
  local exe="$home/venv/bin/$command"
  local uv; uv="$("$here/uv.sh" | tail -n1)"
  if [ "${PYTOOL_RELOCK:-0}" = 1 ]; then
    _py_relock() {
      local tmp; tmp="$(mktemp)"
      echo "$name==$version" > "$tmp.in"
      "$uv" pip compile --python-version 3.11 --generate-hashes --quiet "$tmp.in" -o "$tmp" >&2
      { echo "# Locked with: uv pip compile --python-version 3.11 --generate-hashes (input: $name==$version)"
        echo "# Regenerate: scripts/tools/pylib.sh documents how (PYTOOL_RELOCK=1)."
        grep -v '^#' "$tmp"; } > "$lock"
      rm -f "$tmp" "$tmp.in"
    }
    step "relock $name $version into $lock" _py_relock
    rm -f "$home/.complete"
  fi
  [ -f "$lock" ] || die "no lock file $lock" "create it: PYTOOL_RELOCK=1 $0"
  grep -qi "^$name==$version " "$lock" \
    || die "$lock does not pin $name==$version" "relock: PYTOOL_RELOCK=1 $0"
  local want; want="$(sha256sum "$lock" | cut -c1-16)"
  if [ -x "$exe" ] && [ -f "$home/.complete" ] && grep -q "lock=$want" "$home/.complete"; then
    log "cached: $exe ($(cat "$home/.complete"))"
    echo "$exe"
    return 0
  fi
  need python3 "install Python 3.11 (Debian: apt-get install -y python3 python3-venv)"
  _py_install() {
    # A venv is not relocatable, so it is built in place; .complete (written last) marks a
    # finished install, and anything without it is rebuilt from scratch.
    rm -rf "$home/venv" "$home/.complete"; mkdir -p "$home"
    "$uv" venv --quiet --python python3 "$home/venv" >&2
    nice -n 10 "$uv" pip install --quiet --python "$home/venv/bin/python" \
      --require-hashes -r "$lock" >&2 \
      || die "uv pip install -r $lock failed (output above)" "check that PyPI is reachable"
    [ -x "$exe" ] || die "$exe missing after install"
    echo "installed=$(date -u +%Y-%m-%dT%H:%M:%SZ) lock=$want" > "$home/.complete"
  }
  step "install $name $version into $home/venv" _py_install
  total_time
  echo "$exe"
}
