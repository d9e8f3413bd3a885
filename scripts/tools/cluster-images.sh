#!/usr/bin/env bash
# Every image a one-node local cluster runs besides the app's own, built here (nothing pulled:
# no registry is reachable), saved as Docker archives that `ctr -n k8s.io images import` takes:
#
#   localhost/dapr/dapr:<v>       daprd, operator, injector, sentry, placement, scheduler at /
#                                 (scripts/tools/dapr.sh's build) on a distroless-like base, uid 65532
#   localhost/todo/kafka:<v>      one KRaft node on Debian's Java 17 JRE + scripts/tools/kafka.sh's
#                                 jars (+ kafka-tools for kafka-topics), uid 1000
#   localhost/todo/postgres:15    Debian's postgresql-15, initdb from env on first start, uid 999
#   localhost/todo/smtp-sink:1    SMTP :1025 + received mail as JSON on :8025 (python3-aiosmtpd), uid 65532
#   registry.k8s.io/pause:3.10    a static pause binary (gcc -static), uid 65535
#   localhost/todo/kube-router:<v> scripts/tools/kube-router.sh's binary on Debian's iptables +
#                                 ipset (NetworkPolicy enforcement; runs as root, hostNetwork)
#   localhost/todo/<tool>:<v>     one static Go binary each on the same distroless-like base as
#                                 dapr's, uid 65532, entrypoint /<binary>: coredns, metrics-server,
#                                 traefik, cert-manager-{controller,webhook,cainjector}
#                                 (scripts/tools/<tool>.sh build them)
#
# The files behind each image are in scripts/tools/cluster-images/ (Containerfiles, entrypoints:
# their env is documented there). The Debian bases are made with mmdebstrap (bookworm minbase +
# the packages, with bookworm-updates and bookworm-security) and imported into the private podman
# storage (scripts/tools/podman.sh) as localhost/todo-cluster-base/<name>:<recipe>.
#
#   scripts/tools/cluster-images.sh  -> last stdout line: the dir holding <name>.tar per image and
#                                       images.txt, one "<tar file name> <image ref>" per line
#
# Output: $TODO_CACHE/cluster-images/<recipe>-dapr<v>-kafka<v>-static<id>/<name>.tar
# Bump RECIPE when anything in scripts/tools/cluster-images/ changes (or a base's recipe, which
# makes that base again). Cold: ~6-8 min (four mmdebstrap runs, dapr.sh/kafka.sh if not cached);
# warm: a file check.
set -euo pipefail
_TOOL_NAME=cluster-images
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
FILES="$HERE/cluster-images"
# shellcheck source=lib.sh
. "$HERE/lib.sh"

RECIPE=r3
declare -A BASE_RECIPES=([kafka]=kafka-r1 [postgres]=postgres-r1 [smtp]=smtp-r1 [kube-router]=kube-router-r1)
SUITE=bookworm
MIRRORS=("deb http://deb.debian.org/debian $SUITE main"
         "deb http://deb.debian.org/debian $SUITE-updates main"
         "deb http://deb.debian.org/debian-security $SUITE-security main")
NAMES=(dapr kafka postgres smtp-sink pause kube-router)
KUBE_ROUTER_BIN="$(bash "$HERE/kube-router.sh" | tail -n1)/kube-router"
# Static Go binaries, each an image of its own: name -> "tool-script binary version".
COREDNS_BIN="$(bash "$HERE/coredns.sh" | tail -n1)"
MS_BIN="$(bash "$HERE/metrics-server.sh" | tail -n1)"
TRAEFIK_BIN="$(bash "$HERE/traefik.sh" | tail -n1)"
CM_BIN="$(bash "$HERE/cert-manager.sh" | tail -n1)"
# Each tool script caches as $TODO_CACHE/<tool>/<version>/bin: the version is in the path.
version_of() { basename "$(dirname "$(dirname "$1")")"; }
KUBE_ROUTER_V="$(version_of "$KUBE_ROUTER_BIN")"
declare -A STATIC=()
for bin in "$COREDNS_BIN" "$MS_BIN/metrics-server" "$TRAEFIK_BIN/traefik" \
  "$CM_BIN/cert-manager-controller" "$CM_BIN/cert-manager-webhook" "$CM_BIN/cert-manager-cainjector"; do
  STATIC[$(basename "$bin")]="$bin|$(version_of "$bin")"
done
for name in coredns metrics-server traefik cert-manager-controller cert-manager-webhook cert-manager-cainjector; do
  NAMES+=("$name")
done
DEP_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.11.0

DAPR_BIN="$(bash "$HERE/dapr.sh" | tail -n1)"
KAFKA_LIBS="$(bash "$HERE/kafka.sh" | tail -n1)"
DAPR_V="$("$DAPR_BIN/daprd" --version 2>/dev/null | head -n1)"; DAPR_V="${DAPR_V#v}"
KAFKA_V=""
for jar in "$KAFKA_LIBS"/kafka_2.13-*.jar; do
  case "$jar" in *-test*|*-sources*|*'*'*) ;; *) KAFKA_V="${jar##*/kafka_2.13-}"; KAFKA_V="${KAFKA_V%.jar}" ;; esac
done
if [ -z "$DAPR_V" ] || [ -z "$KAFKA_V" ]; then die "could not tell the dapr ($DAPR_V) or Kafka ($KAFKA_V) version" \
  "look at $DAPR_BIN/daprd --version and $KAFKA_LIBS"; fi
KAFKA_LOG4J="$(dirname "$KAFKA_LIBS")/config/log4j2.properties"
[ -f "$KAFKA_LOG4J" ] || die "no $KAFKA_LOG4J beside the Kafka jars" \
  "use the jars of scripts/tools/kafka.sh: KAFKA_FORCE_FETCH=1 bash $HERE/kafka.sh"

declare -A REFS=(
  [dapr]="localhost/dapr/dapr:$DAPR_V"
  [kafka]="localhost/todo/kafka:$KAFKA_V"
  [postgres]="localhost/todo/postgres:15"
  [smtp-sink]="localhost/todo/smtp-sink:1"
  [pause]="registry.k8s.io/pause:3.10"
  [kube-router]="localhost/todo/kube-router:$KUBE_ROUTER_V"
)
for name in "${!STATIC[@]}"; do
  v="${STATIC[$name]#*|}"
  [ -n "$v" ] || die "no version for $name (${STATIC[$name]})"
  [ -x "${STATIC[$name]%|*}" ] || die "no binary for $name at ${STATIC[$name]%|*}" "run scripts/tools/*.sh for it"
  REFS[$name]="localhost/todo/$name:$v"
done
STATIC_ID="$( (for name in "${!STATIC[@]}"; do echo "$name ${STATIC[$name]}"; done
  echo "kube-router $KUBE_ROUTER_BIN|$KUBE_ROUTER_V") | sort | sha256sum | cut -c1-8)"
ROOT="$TODO_CACHE/cluster-images"
OUT="$ROOT/$RECIPE-dapr$DAPR_V-kafka$KAFKA_V-static$STATIC_ID"
BASES="$ROOT/bases"

if [ -f "$OUT/.complete" ] && [ -f "$OUT/images.txt" ]; then
  log "cached: $OUT ($(cat "$OUT/.complete"))"
  echo "$OUT"
  exit 0
fi

CONF="$(bash "$HERE/podman.sh" | tail -n1)"
export CONTAINERS_CONF="$CONF/containers.conf" CONTAINERS_STORAGE_CONF="$CONF/storage.conf"
need mmdebstrap "run scripts/tools/podman.sh as root (it installs mmdebstrap)"
need gcc "install gcc and libc6-dev (Debian: apt-get install gcc libc6-dev) for the static pause binary"
need mvn "install Maven (Debian: apt-get install maven) to fetch the kafka-tools jar"
mkdir -p "$OUT" "$BASES"
STAGE="$(mktemp -d "$ROOT/stage.XXXXXX")"
# shellcheck disable=SC2016 # expanded when the script exits
_TOOL_CLEANUP='rm -rf "$STAGE"'

# --- 1. the Debian bases ------------------------------------------------------------------------
# The hooks are single-quoted on purpose: mmdebstrap runs them later with $1 = the new root.
# shellcheck disable=SC2016
strap() {  # strap NAME PACKAGES [--xxx-hook=...]...
  local name="$1" pkgs="$2"; shift 2
  local tar="$BASES/${BASE_RECIPES[$name]}.tar"
  [ -f "$tar" ] && return 0
  log "mmdebstrap $SUITE minbase + $pkgs -> $tar (log: $tar.log)"
  local rc=0
  nice -n 10 mmdebstrap --variant=minbase --include="$pkgs" \
    --aptopt='APT::Install-Recommends "false"' \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    "$@" --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*' \
    --format=tar "$SUITE" "$tar.tmp" "${MIRRORS[@]}" >"$tar.log" 2>&1 || rc=$?
  if [ "$rc" -ne 0 ]; then
    grep -v -e '^Get:' -e '^Unpacking' -e '^Selecting' -e '^Preparing' "$tar.log" | tail -n 25 >&2
    rm -f "$tar.tmp"
    die "mmdebstrap failed for the $name base (exit $rc); last lines above, full log: $tar.log" \
      "check the Debian mirror is reachable: apt-get update"
  fi
  mv "$tar.tmp" "$tar"
}

# shellcheck disable=SC2016 # see strap
make_bases() {
  # openjdk's postinst links man pages with update-alternatives: the dir must exist although
  # man pages are left out (path-exclude).
  strap kafka openjdk-17-jre-headless,ca-certificates,tzdata \
    --essential-hook='mkdir -p "$1"/usr/share/man/man1'
  # postgres gets uid/gid 999 (as in the official image) before postgresql-common adds the user;
  # no cluster is left in the image (the entrypoint makes one in PGDATA).
  strap postgres postgresql-15,tzdata \
    --essential-hook='echo "postgres:x:999:999:PostgreSQL administrator:/var/lib/postgresql:/bin/bash" >> "$1"/etc/passwd' \
    --essential-hook='echo "postgres:x:999:" >> "$1"/etc/group' \
    --essential-hook='[ ! -e "$1"/etc/shadow ] || echo "postgres:*:19000:0:99999:7:::" >> "$1"/etc/shadow' \
    --customize-hook='rm -rf "$1"/etc/postgresql/15/main "$1"/var/lib/postgresql/15/main'
  strap smtp python3-aiosmtpd
  # kube-router's firewall shells out to iptables(-save/-restore) and ipset. The node's
  # kube-proxy uses the host's iptables 1.8.9 in its nf_tables mode (Debian's default
  # alternative): pin the same backend here, as rules of two backends never see each other.
  strap kube-router iptables,ipset \
    --customize-hook='chroot "$1" update-alternatives --set iptables /usr/sbin/iptables-nft' \
    --customize-hook='chroot "$1" update-alternatives --set ip6tables /usr/sbin/ip6tables-nft'
}

import_bases() {
  local name ref
  for name in "${!BASE_RECIPES[@]}"; do
    ref="localhost/todo-cluster-base/$name:${BASE_RECIPES[$name]}"
    podman image exists "$ref" && continue
    podman import --quiet --change 'CMD ["/bin/bash"]' "$BASES/${BASE_RECIPES[$name]}.tar" "$ref" >/dev/null
    log "imported $ref"
  done
}

# --- 2. the build contexts ------------------------------------------------------------------------
stage_dapr() {
  local ctx="$STAGE/dapr" c
  mkdir -p "$ctx/rootfs/etc/ssl/certs" "$ctx/rootfs/tmp" "$ctx/home/nonroot"
  chmod 1777 "$ctx/rootfs/tmp"; chmod 700 "$ctx/home/nonroot"
  printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' 'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin' \
    'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin' > "$ctx/rootfs/etc/passwd"
  printf '%s\n' 'root:x:0:' 'nobody:x:65534:' 'tty:x:5:' 'nonroot:x:65532:' > "$ctx/rootfs/etc/group"
  echo 'hosts: files dns' > "$ctx/rootfs/etc/nsswitch.conf"
  # Debian's CA bundle (update-ca-certificates' output) and zoneinfo, from the kafka base.
  tar -C "$ctx/rootfs" -xf "$BASES/${BASE_RECIPES[kafka]}.tar" \
    ./etc/ssl/certs/ca-certificates.crt ./usr/share/zoneinfo
  [ -s "$ctx/rootfs/etc/ssl/certs/ca-certificates.crt" ] || die "no CA bundle in the kafka base"
  for c in daprd operator injector sentry placement scheduler; do
    ln "$DAPR_BIN/$c" "$ctx/$c" 2>/dev/null || cp "$DAPR_BIN/$c" "$ctx/$c"
  done
  cp "$FILES/dapr.Containerfile" "$ctx/"
}

KAFKA_TOOLS_JAR="$ROOT/kafka-tools/kafka-tools-$KAFKA_V.jar"
fetch_kafka_tools() {
  [ -f "$KAFKA_TOOLS_JAR" ] && return 0
  mkdir -p "$(dirname "$KAFKA_TOOLS_JAR")"
  log "mvn $DEP_PLUGIN:copy -Dartifact=org.apache.kafka:kafka-tools:$KAFKA_V (the jar alone, not its Kafka Connect dependencies)"
  mvn -B -q -Dstyle.color=never "$DEP_PLUGIN:copy" -Dartifact="org.apache.kafka:kafka-tools:$KAFKA_V" \
    -DoutputDirectory="$(dirname "$KAFKA_TOOLS_JAR")" >&2 \
    || die "could not fetch org.apache.kafka:kafka-tools:$KAFKA_V from Maven Central (output above)"
}

stage_kafka() {
  local ctx="$STAGE/kafka"
  mkdir -p "$ctx/tools-libs"
  cp -r "$KAFKA_LIBS" "$ctx/libs"
  cp "$KAFKA_TOOLS_JAR" "$ctx/tools-libs/"
  cp "$KAFKA_LOG4J" "$ctx/log4j2.properties"
  cp "$FILES/kafka.Containerfile" "$FILES/kafka-entrypoint.sh" "$FILES/kafka-topics.sh" \
    "$FILES/tools-log4j2.properties" "$ctx/"
}

stage_small() {
  mkdir -p "$STAGE/postgres" "$STAGE/smtp-sink" "$STAGE/pause"
  cp "$FILES/postgres.Containerfile" "$FILES/postgres-entrypoint.sh" "$STAGE/postgres/"
  cp "$FILES/smtp-sink.Containerfile" "$FILES/smtp_sink.py" "$STAGE/smtp-sink/"
  cp "$FILES/pause.Containerfile" "$STAGE/pause/"
  mkdir -p "$STAGE/kube-router"
  cp "$FILES/kube-router.Containerfile" "$KUBE_ROUTER_BIN" "$STAGE/kube-router/"
  nice -n 10 gcc -static -Os -s -Wall -Wextra -Werror -o "$STAGE/pause/pause" "$FILES/pause.c"
}

# One static binary on the distroless-like rootfs of the dapr image (stage_dapr makes it).
stage_static() {
  local name bin
  for name in "${!STATIC[@]}"; do
    bin="${STATIC[$name]%|*}"
    mkdir -p "$STAGE/$name"
    cp -r "$STAGE/dapr/rootfs" "$STAGE/$name/rootfs"
    cp "$bin" "$STAGE/$name/$(basename "$bin")"
    printf '%s\n' "# $name ${STATIC[$name]#*|}: one static Go binary (scripts/tools), distroless-like base" \
      "FROM scratch" "COPY rootfs/ /" "COPY $(basename "$bin") /" "WORKDIR /" "USER 65532:65532" \
      "ENTRYPOINT [\"/$(basename "$bin")\"]" > "$STAGE/$name/$name.Containerfile"
  done
}

# --- 3. build and save ----------------------------------------------------------------------------
declare -A BASE_OF=([kafka]=kafka [postgres]=postgres [smtp-sink]=smtp [kube-router]=kube-router)
build_one() {  # build_one NAME: podman build, then podman save as a Docker archive
  local name="$1" ref="${REFS[$1]}" args=()
  if [ -n "${BASE_OF[$name]:-}" ]; then
    args+=(--build-arg "BASE=localhost/todo-cluster-base/${BASE_OF[$name]}:${BASE_RECIPES[${BASE_OF[$name]}]}")
  fi
  nice -n 10 podman build --quiet --pull=never --network=none --layers --format=docker \
    --label "todo.cluster-image=$RECIPE" "${args[@]}" \
    -f "$STAGE/$name/$name.Containerfile" -t "$ref" "$STAGE/$name" >/dev/null
  rm -f "$OUT/$name.tar.tmp"
  nice -n 10 podman save --quiet --format docker-archive -o "$OUT/$name.tar.tmp" "$ref"
  mv "$OUT/$name.tar.tmp" "$OUT/$name.tar"
  log "$ref -> $OUT/$name.tar ($(du -h "$OUT/$name.tar" | cut -f1))"
}

build_all() {
  local name
  : > "$OUT/images.txt.tmp"
  for name in "${NAMES[@]}"; do
    build_one "$name"
    echo "$name.tar ${REFS[$name]}" >> "$OUT/images.txt.tmp"
  done
  mv "$OUT/images.txt.tmp" "$OUT/images.txt"
}

step "mmdebstrap the bases ($SUITE minbase; cached in $BASES)" make_bases
step "import the bases into podman" import_bases
step "fetch kafka-tools $KAFKA_V" fetch_kafka_tools
stage_all() { stage_dapr; stage_kafka; stage_small; stage_static; }
step "stage the build contexts" stage_all
step "build and save ${NAMES[*]}" build_all
echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ) recipe=$RECIPE dapr=$DAPR_V kafka=$KAFKA_V bases=${BASE_RECIPES[*]}" > "$OUT/.complete"
total_time
echo "$OUT"
