# shellcheck shell=bash
# go_tool NAME MODULE/CMD VERSION [BINARY]: `go install` a pinned Go command once into
# $TODO_CACHE/NAME/VERSION/bin and print the binary's path as the last stdout line.
# Source lib.sh first. The build runs under `nice` (shared machines), CGO off, -trimpath,
# with Go's own module and build caches (outside the repo). A `.complete` marker beside the
# binary says the install finished; anything without it is reinstalled.
go_tool() {
  local name="$1" pkg="$2" version="$3" binary="${4:-$1}"
  local home="$TODO_CACHE/$name/$version"
  local bin="$home/bin/$binary"
  if [ -x "$bin" ] && [ -f "$home/.complete" ]; then
    log "cached: $bin ($(cat "$home/.complete"))"
    echo "$bin"
    return 0
  fi
  need go "install Go (https://go.dev/dl/ or Debian's golang) and re-run $0"
  _go_tool_install() {
    rm -rf "$home/bin.tmp"; mkdir -p "$home/bin.tmp"
    log "GOBIN=$home/bin.tmp CGO_ENABLED=0 nice -n 10 go install -trimpath -ldflags='-s -w ${GO_TOOL_LDFLAGS:-}' $pkg@$version"
    GOBIN="$home/bin.tmp" CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -mod=mod" \
      nice -n 10 go install -trimpath -ldflags="-s -w ${GO_TOOL_LDFLAGS:-}" "$pkg@$version" >&2 \
      || die "go install $pkg@$version failed (output above)" \
        "module proxy unreachable or version refused? check: go mod download -json ${pkg%%/cmd/*}@$version" \
        "needs a newer Go? compare 'go version' with the go line of the module's go.mod"
    [ -x "$home/bin.tmp/$binary" ] || die "go install produced no $binary in $home/bin.tmp"
    rm -rf "${home:?}/bin"; mv "$home/bin.tmp" "$home/bin"
    echo "installed=$(date -u +%Y-%m-%dT%H:%M:%SZ) module=$pkg@$version go=$(go env GOVERSION)" > "$home/.complete"
  }
  step "go install $name $version" _go_tool_install
  total_time
  echo "$bin"
}

# go_tool_dir NAME PACKAGE VERSION: go_tool, then check the binary runs (`--version`) and print
# its bin dir (last stdout line), for tools whose callers want the directory.
go_tool_dir() {
  local bin
  bin="$(go_tool "$1" "$2" "$3" | tail -n1)"
  "$bin" --version >&2 \
    || die "the cached $bin does not run" "remove $(dirname "$(dirname "$bin")") and re-run $0"
  dirname "$bin"
}

# cached_bin BIN RECIPE [FILE...]: true (and BIN printed as the result) when BIN/.complete
# names RECIPE and every FILE under BIN is executable: a build script then has nothing to do.
cached_bin() {
  local bin="$1" recipe="$2" f; shift 2
  [ -f "$bin/.complete" ] && grep -qF "recipe=$recipe" "$bin/.complete" || return 1
  for f in "$@"; do [ -x "$bin/$f" ] || return 1; done
  log "cached: $bin ($(cat "$bin/.complete"))"
  echo "$bin"
}

# go_build_logged DIR LOG GO-BUILD-ARGS...: `go build` in DIR (CGO off, -mod=mod, under `nice`)
# with its output in LOG, and a progress line every PROGRESS_EVERY seconds (packages compiled,
# the last one) while it runs: cold builds take many minutes. Returns go's exit code; the
# caller says what to do about a failure. TICKER_PID names the ticker for the caller's cleanup.
go_build_logged() {
  local dir="$1" build_log="$2"; shift 2
  : > "$build_log"
  (
    t0=$SECONDS
    while sleep "${PROGRESS_EVERY:-30}"; do
      n=$(grep -c -v -e '^go: downloading' "$build_log" 2>/dev/null || true)
      last=$(tail -n1 "$build_log" 2>/dev/null | cut -c1-90)
      log "building... $(( SECONDS - t0 ))s elapsed, ${n:-0} packages compiled; last: $last"
    done
  ) &
  TICKER_PID=$!
  local rc=0
  (cd "$dir" && CGO_ENABLED=0 GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=mod" nice -n 10 \
    go build "$@") >>"$build_log" 2>&1 || rc=$?
  kill "$TICKER_PID" 2>/dev/null || true; wait "$TICKER_PID" 2>/dev/null || true; TICKER_PID=""
  return "$rc"
}

# go_module_copy MODULE VERSION DEST: download MODULE@VERSION from the module proxy and copy its
# source to DEST (writable), for modules that cannot be `go install`ed (replace directives, or
# a command outside the module's root package). Dies when the proxy refuses the version or the
# module's go line is newer than the installed Go.
go_module_copy() {
  local module="$1" version="$2" dest="$3" json dir want have
  json="$(go mod download -json "$module@$version" 2>&1)" \
    || die "the module proxy does not serve $module@$version: $(printf '%s' "$json" | grep '"Error"')" \
      "pick a served version: go list -m -versions $module (a listed version can still answer 403)"
  dir="$(printf '%s' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [ -d "$dir" ] || die "go mod download gave no source dir for $module@$version: $json"
  want="$(sed -n 's/^go \([0-9.]*\).*/\1/p' "$dir/go.mod" | head -n1)"
  have="$(go env GOVERSION)"; have="${have#go}"
  [ "$(printf '%s\n%s\n' "$want" "$have" | sort -V | head -n1)" = "$want" ] \
    || die "$module $version needs go >= $want; installed go is $have" "install a newer Go"
  rm -rf "$dest"; mkdir -p "$(dirname "$dest")"
  cp -r "$dir" "$dest"; chmod -R u+w "$dest"
  log "source: $dest (from $dir; go $want)"
}

# go_refused LOG: the module versions the proxy refused (403), one per line, from a go log.
go_refused() {
  grep -oE '[^ :]+@v[^: ]+: reading https://[^ ]+: 403' "$1" 2>/dev/null \
    | sed 's/: reading .*//' | sort -u || true
}
