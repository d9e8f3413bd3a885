#!/usr/bin/env bash
# Fetch (once) and cache the Apache Kafka broker jars from Maven Central.
#
#   scripts/tools/kafka.sh           -> last stdout line: the libs dir (use as java -cp '<libs>/*')
#
# Env:
#   KAFKA_VERSION  wanted version (default 4.4.0; if that does not resolve, 4.3.1 is tried)
#   KAFKA_HOME     a Kafka distribution; if it has libs/, that is used and nothing is fetched
#   TODO_CACHE     cache root (default ~/.cache/todo); jars go to $TODO_CACHE/kafka/<version>/libs
#   KAFKA_FORCE_FETCH=1  ignore KAFKA_HOME and the cache
#
# Besides libs/, the cache dir gets config/log4j2.properties (pass it to the broker with
# -Dlog4j2.configurationFile=...; without a log4j2 config and the slf4j->log4j2 bridge the
# broker runs but logs nothing). Kafka's published POMs leave the bridge out, so it is added here.
set -euo pipefail
_TOOL_NAME=kafka
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

WANT="${KAFKA_VERSION:-4.4.0}"
FALLBACK="4.3.1"
SLF4J_VERSION="${SLF4J_VERSION:-2.0.17}"
LOG4J_VERSION="${LOG4J_VERSION:-2.26.1}"
DEP_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.11.0

# --- 1. a user's own Kafka -------------------------------------------------------------------
if [ "${KAFKA_FORCE_FETCH:-0}" != 1 ] && [ -n "${KAFKA_HOME:-}" ]; then
  if [ -d "$KAFKA_HOME/libs" ] && ls "$KAFKA_HOME"/libs/kafka_2.13-*.jar >/dev/null 2>&1; then
    log "using KAFKA_HOME=$KAFKA_HOME ($(basename "$(ls "$KAFKA_HOME"/libs/kafka_2.13-*.jar | grep -v -e '-test' | head -n1)"))"
    log "its log4j2 config: $(ls "$KAFKA_HOME"/config/log4j2.* 2>/dev/null | head -n1 || echo 'none found')"
    echo "$KAFKA_HOME/libs"
    exit 0
  fi
  log "KAFKA_HOME=$KAFKA_HOME has no libs/kafka_2.13-*.jar: ignoring it and using the cache"
fi

# --- 2. the cache ----------------------------------------------------------------------------
candidates=("$WANT")
[ -z "${KAFKA_VERSION:-}" ] && [ "$WANT" != "$FALLBACK" ] && candidates+=("$FALLBACK")
if [ "${KAFKA_FORCE_FETCH:-0}" != 1 ]; then
  for v in "${candidates[@]}"; do
    if [ -f "$TODO_CACHE/kafka/$v/.complete" ] && [ -d "$TODO_CACHE/kafka/$v/libs" ]; then
      log "cached: Kafka $v in $TODO_CACHE/kafka/$v/libs ($(ls "$TODO_CACHE/kafka/$v/libs" | wc -l) jars, fetched $(cat "$TODO_CACHE/kafka/$v/.complete"))"
      echo "$TODO_CACHE/kafka/$v/libs"
      exit 0
    fi
  done
fi

need java "install a JDK/JRE 17+ (Debian: apt-get install -y openjdk-17-jre-headless)"
need mvn "install Maven (Debian: apt-get install -y maven)"
jv="$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
if [ -n "$jv" ] && [ "${jv%%.*}" -lt 17 ]; then
  die "java $jv is too old: the Kafka 4 broker needs Java 17+." "install openjdk-17 (or newer) and put it first on PATH"
fi

write_pom() { # $1 = kafka version, $2 = dir
  cat > "$2/pom.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0"
         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 http://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.todo</groupId>
  <artifactId>kafka-runtime</artifactId>
  <version>$1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$1</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-api</artifactId><version>$SLF4J_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-api</artifactId><version>$LOG4J_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>$LOG4J_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j2-impl</artifactId><version>$LOG4J_VERSION</version></dependency>
  </dependencies>
</project>
EOF
}

write_log4j() { # $1 = config dir
  mkdir -p "$1"
  cat > "$1/log4j2.properties" <<'EOF'
# Minimal log4j2 config for a local Kafka broker: INFO to stdout, noisy loggers at WARN.
status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.kafkaorg.name = org.apache.kafka
logger.kafkaorg.level = INFO
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.controller.name = kafka.controller
logger.controller.level = INFO
logger.state.name = state.change.logger
logger.state.level = WARN
logger.cleaner.name = kafka.log.LogCleaner
logger.cleaner.level = WARN
EOF
}

fetch() { # $1 = version ; returns non-zero if it does not resolve
  local v="$1" dir="$TODO_CACHE/kafka/$1"
  local tmp="$dir/libs.tmp" work="$dir/pom"
  rm -rf "$tmp" "$work"; mkdir -p "$tmp" "$work"
  write_pom "$v" "$work"
  log "mvn -B -q -f $work/pom.xml $DEP_PLUGIN:copy-dependencies -DincludeScope=runtime -DoutputDirectory=$tmp"
  if ! mvn -B -q -f "$work/pom.xml" "$DEP_PLUGIN:copy-dependencies" \
        -DincludeScope=runtime -DoutputDirectory="$tmp" >"$dir/mvn.log" 2>&1; then
    log "Kafka $v did not resolve (mvn log: $dir/mvn.log):"
    grep -E 'Could not|Failed to' "$dir/mvn.log" | head -n 2 >&2 || true
    rm -rf "$tmp"
    return 1
  fi
  ls "$tmp"/kafka_2.13-"$v".jar >/dev/null 2>&1 || { log "no kafka_2.13-$v.jar in $tmp"; return 1; }
  write_log4j "$dir/config"
  rm -rf "$dir/libs"; mv "$tmp" "$dir/libs"
  date -u +%Y-%m-%dT%H:%M:%SZ > "$dir/.complete"
  log "Kafka $v: $(ls "$dir/libs" | wc -l) jars, $(du -sh "$dir/libs" | cut -f1) in $dir/libs"
  log "log4j2 config: $dir/config/log4j2.properties"
  RESULT="$dir/libs"
}

RESULT=""
fetch_any() {
  local v
  for v in "${candidates[@]}"; do
    log "resolving org.apache.kafka:kafka_2.13:$v (+ slf4j-api $SLF4J_VERSION, log4j2 $LOG4J_VERSION bridge) from Maven Central"
    if fetch "$v"; then return 0; fi
  done
  die "could not resolve Kafka ${candidates[*]} from Maven Central." \
    "check Maven reaches the registry: mvn -B dependency:get -Dartifact=org.apache.kafka:kafka_2.13:$WANT" \
    "or point KAFKA_HOME at an unpacked Kafka distribution and re-run"
}
step "fetch Kafka jars" fetch_any
total_time
echo "$RESULT"
