#!/usr/bin/env bash
# Fetch the Zipkin server (one executable jar, in-memory storage) from Maven Central.
#
#   scripts/tools/zipkin.sh   -> last stdout line: the dir holding zipkin-server-<v>-exec.jar
#
# Cached under $TODO_CACHE/zipkin/<version>; nothing is fetched when it is there.
set -euo pipefail
_TOOL_NAME=zipkin
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ZIPKIN_VERSION="${ZIPKIN_VERSION:-3.5.1}"
home="$TODO_CACHE/zipkin/$ZIPKIN_VERSION"
jar="$home/zipkin-server-$ZIPKIN_VERSION-exec.jar"

fetch() {
  need mvn "Debian: apt-get install -y maven"
  need java "Debian: apt-get install -y openjdk-17-jre-headless"
  local tmp="$home.tmp"
  rm -rf "$tmp"; mkdir -p "$tmp/pom"
  cat > "$tmp/pom/pom.xml" <<'POM'
<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
<groupId>todo.tools</groupId><artifactId>zipkin-fetch</artifactId><version>1</version>
<packaging>pom</packaging></project>
POM
  mvn -B -q -f "$tmp/pom/pom.xml" \
    org.apache.maven.plugins:maven-dependency-plugin:3.11.0:copy \
    "-Dartifact=io.zipkin:zipkin-server:$ZIPKIN_VERSION:jar:exec" "-DoutputDirectory=$tmp" >&2 \
    || die "could not fetch io.zipkin:zipkin-server:$ZIPKIN_VERSION:exec from Maven Central" \
      "check that Maven Central is reachable: mvn -B dependency:get -Dartifact=io.zipkin:zipkin-server:$ZIPKIN_VERSION" \
      "or pick another version: ZIPKIN_VERSION=3.4.4 bash $0"
  rm -rf "$tmp/pom" "$home"
  mv "$tmp" "$home"
}

if [ ! -f "$jar" ]; then
  step "fetch zipkin-server $ZIPKIN_VERSION (exec jar, ~130 MB) from Maven Central" fetch
fi
total_time
echo "$home"
