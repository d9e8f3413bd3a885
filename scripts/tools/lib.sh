# shellcheck shell=bash
# Shared helpers for scripts/tools/*.sh. Source it; do not run it.
#
# Convention for every tool script: progress goes to STDERR, and the one result
# (a directory path) is the LAST line on STDOUT, so callers can do
#   KAFKA_LIBS="$(scripts/tools/kafka.sh)"      # or: ... | tail -n1
# and still see the progress on the terminal.

TODO_CACHE="${TODO_CACHE:-$HOME/.cache/todo}"
_TOOL_NAME="${_TOOL_NAME:-$(basename "${BASH_SOURCE[1]:-tool}" .sh)}"
_TOOL_T0=$(date +%s)

log()  { printf '[%s %s] %s\n' "$_TOOL_NAME" "$(date +%H:%M:%S)" "$*" >&2; }
# die "message" ["what to do next" ...]: prints the error and each hint, exits 1.
die() {
  printf '[%s] ERROR: %s\n' "$_TOOL_NAME" "$1" >&2; shift
  local h; for h in "$@"; do printf '[%s]   -> %s\n' "$_TOOL_NAME" "$h" >&2; done
  exit 1
}

# step "description" cmd args... : runs the command, prints its wall time.
# Do not call step inside `if`/`||`/`&&`: bash would then ignore `set -e` inside
# shell functions run by it. A failing step ends the script (set -e) and the
# EXIT trap below names the step that failed.
_CUR_STEP=""
_CUR_STEP_T0=0
step() {
  _CUR_STEP="$1"; shift
  _CUR_STEP_T0=$(date +%s)
  log "step: $_CUR_STEP ..."
  "$@"
  log "step done in $(( $(date +%s) - _CUR_STEP_T0 ))s: $_CUR_STEP"
  _CUR_STEP=""
}
_tool_on_exit() {
  local rc=$?
  if [ "$rc" -ne 0 ] && [ -n "$_CUR_STEP" ]; then
    printf '[%s] step FAILED after %ss: %s (exit %s)\n' "$_TOOL_NAME" \
      "$(( $(date +%s) - _CUR_STEP_T0 ))" "$_CUR_STEP" "$rc" >&2
  fi
  if [ -n "${_TOOL_CLEANUP:-}" ]; then eval "$_TOOL_CLEANUP" || true; fi
  return "$rc"
}
trap _tool_on_exit EXIT

total_time() { log "total: $(( $(date +%s) - _TOOL_T0 ))s"; }

# need CMD "how to get it"
need() {
  command -v "$1" >/dev/null 2>&1 || die "'$1' not found on PATH." "${2:-install it and re-run}"
}
