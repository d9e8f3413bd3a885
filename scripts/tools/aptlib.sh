# shellcheck shell=bash
# Debian packages as plain files, never installed (no daemon registered or started). Source
# lib.sh first.
#
#   apt_candidate PKG            apt's candidate version of PKG ("" or "(none)" when unknown)
#   apt_versions PKG...          sets APT_VERSIONS[PKG] to each candidate; runs apt-get update
#                                (as root) when one is unknown; dies with what to do otherwise
#   apt_unpack DIR PKG=VER...    apt-get download each into DIR/debs, dpkg-deb -x all into DIR/root

apt_candidate() { { apt-cache policy "$1" 2>/dev/null || true; } | sed -n 's/^ *Candidate: *//p' | head -n1; }

declare -A APT_VERSIONS=()

_APT_MISSING=""
_apt_missing() {  # fills APT_VERSIONS; true (with _APT_MISSING set) when one has no candidate
  local p v
  for p in "$@"; do
    v="$(apt_candidate "$p")"
    if [ -z "$v" ] || [ "$v" = "(none)" ]; then _APT_MISSING="$p"; return 0; fi
    APT_VERSIONS[$p]="$v"
  done
  return 1
}

apt_versions() {
  need apt-get "this needs Debian/Ubuntu's apt (see the script's header for another way)"
  need apt-cache "same as apt-get"
  need dpkg-deb "install dpkg (Debian/Ubuntu)"
  if _apt_missing "$@"; then
    log "apt knows no candidate for $_APT_MISSING: apt-get update"
    [ "$(id -u)" = 0 ] || die "apt has no package list for $_APT_MISSING and this is not root." \
      "run: sudo apt-get update   (then re-run this script)"
    apt-get update -q >&2 || die "apt-get update failed (see its output above)." \
      "check that the Debian mirror in /etc/apt/sources.list(.d) is reachable, then re-run"
    if _apt_missing "$@"; then
      die "apt has no candidate for $_APT_MISSING." \
        "check /etc/apt/sources.list(.d) has Debian main (bookworm or later); see: apt-cache policy $*"
    fi
  fi
  local p line="apt candidates:"
  for p in "$@"; do line="$line $p ${APT_VERSIONS[$p]}"; done
  log "$line"
}

apt_unpack() {
  local dir="$1"; shift
  rm -rf "$dir"; mkdir -p "$dir/debs" "$dir/root"
  # apt-get download as root warns that _apt cannot write here; harmless (unsandboxed download).
  (cd "$dir/debs" && apt-get download -q "$@" 2>&1 | grep -v 'unsandboxed as root' >&2) || true
  local deb n=0
  for deb in "$dir"/debs/*.deb; do
    [ -f "$deb" ] || continue
    log "unpacking $(basename "$deb") ($(du -h "$deb" | cut -f1))"
    dpkg-deb -x "$deb" "$dir/root"
    n=$((n + 1))
  done
  [ "$n" -ge "$#" ] || die "apt-get download fetched $n of $# packages (see its output above)." \
    "check the Debian mirror is reachable: apt-get update" \
    "try by hand: cd /tmp && apt-get download ${*%%=*}"
}
