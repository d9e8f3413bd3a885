#!/usr/bin/env bash
# Smoke test: prove the cached Kafka / Dapr parts start and talk, on loopback only.
#
#   scripts/tools/smoke.sh [postgres|kafka|dapr|all]   (default: all; dapr implies kafka)
#
# Starts (all bound to 127.0.0.1, everything in one temp dir, all stopped + removed at exit):
#   Kafka KRaft single node  PLAINTEXT 127.0.0.1:$SMOKE_KAFKA_PORT (29092), CONTROLLER :29093
#   dapr scheduler           grpc :23506, etcd client :23579 / peer :23580, healthz :23581, metrics :23582
#   daprd (standalone)       http :23500, grpc :23501, internal grpc :23502, metrics :23503
#   tiny python app          http :23510 (receives Jobs API callbacks)
#   PostgreSQL (private)     127.0.0.1:$SMOKE_PG_PORT (25432), started + stopped again at once
# daprd gets a Configuration with nameResolution sqlite (never mDNS).
# Python: a venv with confluent-kafka at $SMOKE_VENV (default /tmp/todo-smoke-venv).
set -euo pipefail
_TOOL_NAME=smoke
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
. "$HERE/lib.sh"

WHAT="${1:-all}"
KPORT="${SMOKE_KAFKA_PORT:-29092}"
CPORT="${SMOKE_CONTROLLER_PORT:-29093}"
SCHED_PORT=23506 ETCD_CLIENT=23579 ETCD_PEER=23580 SCHED_HEALTHZ=23581 SCHED_METRICS=23582
DAPR_HTTP=23500 DAPR_GRPC=23501 DAPR_INTERNAL=23502 DAPR_METRICS=23503 APP_PORT=23510
SMOKE_VENV="${SMOKE_VENV:-/tmp/todo-smoke-venv}"

WORK="$(mktemp -d /tmp/todo-smoke.XXXXXX)"
PIDS=()
PG_STOP=()
cleanup() {
  # stop in reverse start order (daprd before the scheduler and Kafka it talks to)
  local i p
  [ "${#PG_STOP[@]}" -gt 0 ] && { "${PG_STOP[@]}" >/dev/null 2>&1 || true; }
  for (( i=${#PIDS[@]}-1; i>=0; i-- )); do
    p="${PIDS[$i]}"
    kill "$p" 2>/dev/null || continue
    for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
  done
  if [ "${SMOKE_KEEP:-0}" = 1 ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
_TOOL_CLEANUP=cleanup

now_ms() { date +%s%3N; }
rss_mb() { awk '/VmRSS/ {printf "%d", $2/1024}' "/proc/$1/status" 2>/dev/null || echo "?"; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() { # port timeout_s name pid
  local i
  for i in $(seq 1 $(( $2 * 10 ))); do
    port_open "$1" && return 0
    kill -0 "$4" 2>/dev/null || die "$3 exited before opening port $1 (log: see above)"
    sleep 0.1
  done
  die "$3 did not open 127.0.0.1:$1 within $2 s"
}

# --- python venv with confluent-kafka --------------------------------------------------------
venv() {
  if ! "$SMOKE_VENV/bin/python" -c 'import confluent_kafka' 2>/dev/null; then
    python3 -m venv "$SMOKE_VENV"
    "$SMOKE_VENV/bin/pip" install -q confluent-kafka
  fi
  PY="$SMOKE_VENV/bin/python"
  log "confluent-kafka $("$PY" -c 'import confluent_kafka as c; import importlib.metadata as m; print(m.version("confluent-kafka"), "librdkafka", c.libversion()[0])')"
}

# --- Kafka -----------------------------------------------------------------------------------
KAFKA_PID=""
start_kafka() {
  local libs kdir cfg id t0 t_port t_meta
  libs="$("$HERE/kafka.sh" | tail -n1)"
  kdir="$WORK/kafka"; mkdir -p "$kdir/data"
  cfg="$kdir/server.properties"
  cat > "$cfg" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$CPORT
listeners=PLAINTEXT://127.0.0.1:$KPORT,CONTROLLER://127.0.0.1:$CPORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KPORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$kdir/data
num.partitions=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
default.replication.factor=1
min.insync.replicas=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
EOF
  local log4j
  log4j="$(dirname "$libs")/config/log4j2.properties"
  [ -f "$log4j" ] || log4j="$(ls "$(dirname "$libs")"/config/log4j2.* 2>/dev/null | head -n1)"
  t0=$(now_ms)
  id="$(java -cp "$libs/*" kafka.tools.StorageTool random-uuid 2>"$kdir/storage.err")"
  java -Dlog4j2.configurationFile="$log4j" -cp "$libs/*" kafka.tools.StorageTool format --standalone \
    -t "$id" -c "$cfg" --ignore-formatted >"$kdir/format.log" 2>&1 || { cat "$kdir/format.log" >&2; die "kafka storage format failed"; }
  log "storage formatted (cluster id $id) in $(( $(now_ms) - t0 )) ms: $(tail -n1 "$kdir/format.log")"

  t0=$(now_ms)
  java -Xms256m -Xmx512m -Dlog4j2.configurationFile="$log4j" -cp "$libs/*" kafka.Kafka "$cfg" \
    >"$kdir/kafka.log" 2>&1 &
  KAFKA_PID=$!; PIDS+=("$KAFKA_PID")
  wait_port "$KPORT" 60 kafka "$KAFKA_PID"
  t_port=$(( $(now_ms) - t0 ))
  "$PY" - "$KPORT" <<'EOF'
import sys, time
from confluent_kafka.admin import AdminClient
a = AdminClient({"bootstrap.servers": f"127.0.0.1:{sys.argv[1]}"})
for _ in range(300):
    try:
        md = a.list_topics(timeout=2)
        if md.brokers:
            sys.exit(0)
    except Exception as e:
        pass
    time.sleep(0.1)
sys.exit("metadata request never succeeded")
EOF
  t_meta=$(( $(now_ms) - t0 ))
  log "KAFKA READY: port open after ${t_port} ms, metadata ok after ${t_meta} ms; RSS $(rss_mb "$KAFKA_PID") MB (pid $KAFKA_PID)"
  log "kafka log lines: $(wc -l < "$kdir/kafka.log"); $(grep -m1 -o 'Kafka version: [^ ]*' "$kdir/kafka.log" || true)"
}

kafka_roundtrip() {
  "$PY" - "$KPORT" <<'EOF'
import sys, time
from confluent_kafka import Producer, Consumer
from confluent_kafka.admin import AdminClient, NewTopic
bs = f"127.0.0.1:{sys.argv[1]}"
t0 = time.monotonic()
a = AdminClient({"bootstrap.servers": bs})
fs = a.create_topics([NewTopic("smoke.direct", num_partitions=1, replication_factor=1)])
for f in fs.values():
    f.result(10)
print(f"topic created in {(time.monotonic()-t0)*1000:.0f} ms", file=sys.stderr)
p = Producer({"bootstrap.servers": bs})
p.produce("smoke.direct", key=b"k1", value=b"hello-kafka")
assert p.flush(10) == 0
c = Consumer({"bootstrap.servers": bs, "group.id": "smoke", "auto.offset.reset": "earliest"})
c.subscribe(["smoke.direct"])
deadline = time.monotonic() + 30
while time.monotonic() < deadline:
    m = c.poll(1.0)
    if m is None or m.error():
        continue
    print(f"consumed {m.key()!r}={m.value()!r} from {m.topic()}[{m.partition()}]@{m.offset()} "
          f"{(time.monotonic()-t0)*1000:.0f} ms after start", file=sys.stderr)
    c.close()
    sys.exit(0)
sys.exit("no message consumed in 30 s")
EOF
  log "kafka RSS after round trip: $(rss_mb "$KAFKA_PID") MB"
}

# --- PostgreSQL (private cluster) --------------------------------------------------------------
PG_PORT="${SMOKE_PG_PORT:-25432}"
start_postgres() {
  local bin dir as=() t0 t1 pid
  bin="$("$HERE/postgres.sh" | tail -n1)"
  dir="$WORK/pg"; mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then   # initdb/postgres refuse to run as root
    local u=postgres; id "$u" >/dev/null 2>&1 || u=nobody
    chmod 0711 "$WORK"   # mktemp -d makes it 0700: the postgres user must traverse it
    chown "$u" "$dir"; as=(runuser -u "$u" --)
  fi
  t0=$(now_ms)
  "${as[@]}" "$bin/initdb" -D "$dir/data" -A trust -U todo --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  t1=$(now_ms)
  "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/pg.log" -w \
    -o "-k $dir -p $PG_PORT -c listen_addresses=127.0.0.1" start >/dev/null || { cat "$dir/pg.log" >&2; die "pg_ctl start failed"; }
  pid=$(head -n1 "$dir/data/postmaster.pid")
  PG_STOP=("${as[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop)
  log "POSTGRES READY: initdb $((t1 - t0)) ms, pg_ctl start -w $(( $(now_ms) - t1 )) ms; RSS $(rss_mb "$pid") MB (postmaster only)"
  "$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U todo -d postgres -Atc 'select version()' >&2
  "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
  PG_STOP=()
}

# --- Dapr ---------------------------------------------------------------------------------------
SARAMA_VERSION="${SMOKE_SARAMA_VERSION-3.6.0}"   # empty = omit `version` (components-contrib default 2.0.0)
SCHED_PID="" DAPRD_PID="" APP_PID=""
DAPR_BIN=""

start_scheduler() {
  local t0 i
  DAPR_BIN="$("$HERE/dapr.sh" | tail -n1)"
  mkdir -p "$WORK/scheduler"
  t0=$(now_ms)
  "$DAPR_BIN/scheduler" --mode standalone --id smoke-scheduler-0 \
    --listen-address 127.0.0.1 --port "$SCHED_PORT" \
    --healthz-listen-address 127.0.0.1 --healthz-port "$SCHED_HEALTHZ" \
    --metrics-listen-address 127.0.0.1 --metrics-port "$SCHED_METRICS" \
    --etcd-data-dir "$WORK/scheduler/data" \
    --etcd-client-listen-address 127.0.0.1 --etcd-client-port "$ETCD_CLIENT" \
    --etcd-initial-cluster "smoke-scheduler-0=http://127.0.0.1:$ETCD_PEER" \
    --log-level info >"$WORK/scheduler/scheduler.log" 2>&1 &
  SCHED_PID=$!; PIDS+=("$SCHED_PID")
  wait_port "$SCHED_PORT" 60 scheduler "$SCHED_PID"
  for i in $(seq 1 300); do
    curl -fsS -o /dev/null "http://127.0.0.1:$SCHED_HEALTHZ/healthz" && break
    kill -0 "$SCHED_PID" 2>/dev/null || { tail -n 20 "$WORK/scheduler/scheduler.log" >&2; die "scheduler exited"; }
    sleep 0.1
  done
  curl -fsS -o /dev/null "http://127.0.0.1:$SCHED_HEALTHZ/healthz" || { tail -n 20 "$WORK/scheduler/scheduler.log" >&2; die "scheduler healthz never OK"; }
  log "SCHEDULER READY (healthz 200) after $(( $(now_ms) - t0 )) ms; RSS $(rss_mb "$SCHED_PID") MB"
}

write_app() {
  mkdir -p "$WORK/app"
  cat > "$WORK/app/app.py" <<'EOF'
# Tiny app for daprd: programmatic subscription + Jobs API callback, records what it gets.
import json, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
port, out = int(sys.argv[1]), sys.argv[2]
SUBS = [{"pubsubname": "pubsub", "topic": "smoke.sub", "route": "/events"}]
class H(BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def _send(self, code, obj=None):
        body = b"" if obj is None else json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers(); self.wfile.write(body)
    def _record(self, kind):
        n = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(n).decode() if n else ""
        with open(out, "a") as f:
            f.write(json.dumps({"kind": kind, "method": self.command, "path": self.path,
                                "headers": dict(self.headers), "body": body}) + "\n")
    def do_GET(self):
        if self.path == "/dapr/subscribe": return self._send(200, SUBS)
        self._send(404, {})
    def do_POST(self):
        if self.path.startswith("/job/"):
            self._record("job"); return self._send(200, {})
        if self.path == "/events":
            self._record("event"); return self._send(200, {"status": "SUCCESS"})
        self._record("other"); self._send(404, {})
ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
EOF
}

start_daprd() {
  local res="$WORK/dapr/resources" t0 i code
  mkdir -p "$res"
  {
    echo "apiVersion: dapr.io/v1alpha1"
    echo "kind: Component"
    echo "metadata:"
    echo "  name: pubsub"
    echo "spec:"
    echo "  type: pubsub.kafka"
    echo "  version: v1"
    echo "  metadata:"
    echo "  - {name: brokers, value: \"127.0.0.1:$KPORT\"}"
    echo "  - {name: consumerGroup, value: \"smoke-app\"}"
    echo "  - {name: clientID, value: \"smoke-daprd\"}"
    echo "  - {name: authType, value: \"none\"}"
    echo "  - {name: disableTls, value: \"true\"}"
    [ -n "$SARAMA_VERSION" ] && echo "  - {name: version, value: \"$SARAMA_VERSION\"}"
  } > "$res/pubsub.yaml"
  cat > "$WORK/dapr/config.yaml" <<EOF
apiVersion: dapr.io/v1alpha1
kind: Configuration
metadata:
  name: smoke
spec:
  nameResolution:
    component: "sqlite"
    version: "v1"
    configuration:
      connectionString: "$WORK/dapr/nameresolution.db"
EOF
  log "pubsub.kafka version: '${SARAMA_VERSION:-<unset>}'"

  write_app
  "$PY" "$WORK/app/app.py" "$APP_PORT" "$WORK/app/received.jsonl" >"$WORK/app/app.log" 2>&1 &
  APP_PID=$!; PIDS+=("$APP_PID")
  wait_port "$APP_PORT" 10 app "$APP_PID"

  t0=$(now_ms)
  "$DAPR_BIN/daprd" --mode standalone --app-id smoke \
    --app-port "$APP_PORT" --app-protocol http --app-channel-address 127.0.0.1 \
    --dapr-listen-addresses 127.0.0.1 --dapr-http-port "$DAPR_HTTP" --dapr-grpc-port "$DAPR_GRPC" \
    --dapr-internal-grpc-listen-address 127.0.0.1 --dapr-internal-grpc-port "$DAPR_INTERNAL" \
    --metrics-listen-address 127.0.0.1 --metrics-port "$DAPR_METRICS" \
    --resources-path "$res" --config "$WORK/dapr/config.yaml" \
    --scheduler-host-address "127.0.0.1:$SCHED_PORT" \
    --log-level info >"$WORK/dapr/daprd.log" 2>&1 &
  DAPRD_PID=$!; PIDS+=("$DAPRD_PID")
  wait_port "$DAPR_HTTP" 60 daprd "$DAPRD_PID"
  for i in $(seq 1 600); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$DAPR_HTTP/v1.0/healthz/outbound" || true)
    [ "$code" = 204 ] && break
    kill -0 "$DAPRD_PID" 2>/dev/null || { tail -n 30 "$WORK/dapr/daprd.log" >&2; die "daprd exited"; }
    sleep 0.1
  done
  [ "$code" = 204 ] || { tail -n 30 "$WORK/dapr/daprd.log" >&2; die "daprd /v1.0/healthz/outbound never 204 (last $code)"; }
  log "daprd /v1.0/healthz/outbound 204 after $(( $(now_ms) - t0 )) ms"
  for i in $(seq 1 600); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$DAPR_HTTP/v1.0/healthz" || true)
    [ "$code" = 204 ] && break
    kill -0 "$DAPRD_PID" 2>/dev/null || { tail -n 30 "$WORK/dapr/daprd.log" >&2; die "daprd exited"; }
    sleep 0.1
  done
  [ "$code" = 204 ] || { tail -n 30 "$WORK/dapr/daprd.log" >&2; die "daprd /v1.0/healthz never 204 (last $code)"; }
  log "DAPRD READY: /v1.0/healthz 204 after $(( $(now_ms) - t0 )) ms; RSS $(rss_mb "$DAPRD_PID") MB; daprd $("$DAPR_BIN/daprd" --version 2>&1 | head -n1)"
  grep -iE 'name resolver|nameresolution|mdns|sqlite' "$WORK/dapr/daprd.log" | head -n 5 | cut -c1-300 >&2 || true
  grep -iE 'pubsub|kafka' "$WORK/dapr/daprd.log" | grep -iE 'init|error|warn' | head -n 5 | cut -c1-300 >&2 || true
}

http() { # method url [json-body] -> prints "CODE BODY"
  local out code
  out="$WORK/http.out"
  code=$(curl -s -o "$out" -w '%{http_code}' -X "$1" -H 'content-type: application/json' ${3:+--data "$3"} "$2" || true)
  printf '%s %s' "$code" "$(cat "$out" 2>/dev/null)"
}

read_topic() { # topic count -> prints values
  "$PY" - "$KPORT" "$1" "$2" <<'EOF'
import sys, time, uuid
from confluent_kafka import Consumer
bs, topic, want = f"127.0.0.1:{sys.argv[1]}", sys.argv[2], int(sys.argv[3])
c = Consumer({"bootstrap.servers": bs, "group.id": "smoke-read-" + uuid.uuid4().hex[:6], "auto.offset.reset": "earliest"})
c.subscribe([topic]); got = 0; deadline = time.monotonic() + 30
while got < want and time.monotonic() < deadline:
    m = c.poll(1.0)
    if m is None or m.error(): continue
    got += 1
    print(f"  kafka {topic}[{m.partition()}]@{m.offset()} headers={m.headers()} value={m.value().decode()[:400]}", file=sys.stderr)
c.close()
sys.exit(0 if got >= want else f"only {got}/{want} messages on {topic}")
EOF
}

dapr_publish() {
  local r i
  r=$(http POST "http://127.0.0.1:$DAPR_HTTP/v1.0/publish/pubsub/smoke.dapr" '{"hello":"dapr","n":1}')
  log "POST /v1.0/publish/pubsub/smoke.dapr -> $r"
  [ "${r%% *}" = 204 ] || { tail -n 20 "$WORK/dapr/daprd.log" >&2; die "publish failed: $r"; }
  read_topic smoke.dapr 1

  r=$(http POST "http://127.0.0.1:$DAPR_HTTP/v1.0/publish/bulk/pubsub/smoke.bulk" \
    '[{"entryId":"e1","event":{"n":1},"contentType":"application/json"},{"entryId":"e2","event":{"n":2},"contentType":"application/json"}]')
  log "POST /v1.0/publish/bulk/pubsub/smoke.bulk -> $r"
  case "${r%% *}" in 200|204) ;; *) die "bulk publish failed: $r";; esac
  read_topic smoke.bulk 2

  # subscription path: daprd consumes with Sarama consumer group and delivers to the app
  r=$(http POST "http://127.0.0.1:$DAPR_HTTP/v1.0/publish/pubsub/smoke.sub" '{"hello":"subscriber"}')
  log "POST /v1.0/publish/pubsub/smoke.sub -> $r"
  for i in $(seq 1 300); do
    grep -q '"kind": "event"' "$WORK/app/received.jsonl" 2>/dev/null && break
    sleep 0.1
  done
  grep -q '"kind": "event"' "$WORK/app/received.jsonl" 2>/dev/null || { tail -n 20 "$WORK/dapr/daprd.log" >&2; die "subscriber app never got the event"; }
  log "app received subscription delivery after ~$((i / 10)) s:"
  grep '"kind": "event"' "$WORK/app/received.jsonl" | head -n1 | cut -c1-1500 >&2
}

dapr_jobs() {
  local r t0 i
  t0=$(now_ms)
  r=$(http POST "http://127.0.0.1:$DAPR_HTTP/v1.0/jobs/smoke-job" '{"dueTime":"3s","data":{"todo_id":42,"kind":"reminder"}}')
  log "POST /v1.0/jobs/smoke-job {dueTime: 3s} -> $r"
  [ "${r%% *}" = 204 ] || { tail -n 20 "$WORK/dapr/daprd.log" >&2; die "schedule job failed: $r"; }
  r=$(http GET "http://127.0.0.1:$DAPR_HTTP/v1.0/jobs/smoke-job")
  log "GET /v1.0/jobs/smoke-job -> $r"
  r=$(http POST "http://127.0.0.1:$DAPR_HTTP/v1.0-alpha1/jobs/smoke-job-alpha" "{\"dueTime\":\"$(date -u -d '+4 seconds' +%Y-%m-%dT%H:%M:%SZ)\",\"data\":\"plain-string\"}")
  log "POST /v1.0-alpha1/jobs/smoke-job-alpha {dueTime: RFC3339} -> $r"
  for i in $(seq 1 300); do
    [ "$(grep -c '"kind": "job"' "$WORK/app/received.jsonl" 2>/dev/null || true)" -ge 2 ] && break
    sleep 0.1
  done
  log "job callbacks received (first after <= $(( $(now_ms) - t0 )) ms since scheduling):"
  grep '"kind": "job"' "$WORK/app/received.jsonl" | cut -c1-1500 >&2 || die "no job callback received"
  [ "$(grep -c '"kind": "job"' "$WORK/app/received.jsonl")" -ge 2 ] || die "expected 2 job callbacks"
  sleep 3
  log "callbacks after 3 s more (at-least-once: duplicates?): $(grep -c '"kind": "job"' "$WORK/app/received.jsonl")"
  r=$(http GET "http://127.0.0.1:$DAPR_HTTP/v1.0/jobs/smoke-job")
  log "GET /v1.0/jobs/smoke-job after it fired -> $r"
  r=$(http POST "http://127.0.0.1:$DAPR_HTTP/v1.0/jobs/smoke-later" '{"dueTime":"1h","data":{"n":1}}')
  log "POST /v1.0/jobs/smoke-later {dueTime: 1h} -> $r"
  r=$(http DELETE "http://127.0.0.1:$DAPR_HTTP/v1.0/jobs/smoke-later")
  log "DELETE /v1.0/jobs/smoke-later -> $r"
  [ "${r%% *}" = 204 ] || die "delete job failed: $r"
  log "RSS now: kafka $(rss_mb "$KAFKA_PID") MB, scheduler $(rss_mb "$SCHED_PID") MB, daprd $(rss_mb "$DAPRD_PID") MB"
}

net_checks() {
  local p bad=0 lines
  if command -v ss >/dev/null; then
    for p in "$KAFKA_PID" "$SCHED_PID" "$DAPRD_PID" "$APP_PID"; do
      lines=$(ss -Htulnp 2>/dev/null | grep "pid=$p," || true)
      printf '%s\n' "$lines" | awk -v p="$p" 'NF {print "  pid " p ": " $1 " " $5}' >&2
      if printf '%s\n' "$lines" | awk 'NF {print $5}' | grep -vqE '^(127\.0\.0\.1|\[::1\]|\[::ffff:127\.0\.0\.1\]):'; then
        log "pid $p listens on a non-loopback address!"; bad=1
      fi
    done
    if ss -Hulnp 2>/dev/null | grep -q ':5353 '; then log "something listens on udp 5353 (mDNS)!"; ss -Hulnp | grep ':5353 ' >&2; bad=1; fi
  else
    log "ss not available: skipping socket checks"
  fi
  if grep -qi 'mdns' "$WORK/dapr/daprd.log"; then
    log "daprd log mentions mDNS:"; grep -i mdns "$WORK/dapr/daprd.log" | head -n 3 >&2; bad=1
  fi
  grep -qi 'sqlite' "$WORK/dapr/daprd.log" || { log "daprd log never mentions the sqlite resolver"; bad=1; }
  [ "$bad" = 0 ] || die "loopback / mDNS checks failed"
  log "only loopback listeners; nothing on udp 5353; daprd used the sqlite name resolver"
}

if [ "$WHAT" = postgres ] || [ "$WHAT" = all ]; then
  step "PostgreSQL private cluster start/stop" start_postgres
  [ "$WHAT" = postgres ] && { total_time; log "ALL OK"; exit 0; }
fi
step "python venv" venv
step "start Kafka (KRaft, 1 node)" start_kafka
step "Kafka create topic / produce / consume" kafka_roundtrip
if [ "$WHAT" = dapr ] || [ "$WHAT" = all ]; then
  step "start dapr scheduler" start_scheduler
  step "start daprd" start_daprd
  step "publish via daprd, read from Kafka" dapr_publish
  step "Jobs API round trip" dapr_jobs
  step "loopback / no mDNS checks" net_checks
fi
total_time
log "ALL OK"
