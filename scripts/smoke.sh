#!/usr/bin/env bash
# Smoke test of a deployed Todo, from outside, through its public address:
#   scripts/smoke.sh https://todo.example.com
# 1. / serves the web app, /api/me without a token is 401 problem+json
# 2. sign up a fresh user
# 3. open the live-update WebSocket (/ws?token=...)
# 4. create a task with a due date and a reminder; the socket must receive its update
# 5. its history (from the audit service, through Kafka) must show the `created` event
# With SMOKE_MAILBOX (the HTTP API of an SMTP sink the deployment mails to: the local cluster's,
# scripts/cloud/local.sh), also:
# 6. a recurring task with a reminder due in seconds: its email arrives exactly once
# 7. completing it rolls the series over to the next occurrence
# 8. its history is complete: created, completed
# Needs curl and python3 (standard library only). SMOKE_INSECURE=1 accepts an untrusted
# certificate (the Let's Encrypt staging issuer of dev). SMOKE_TIMEOUT (s) bounds each wait.
set -euo pipefail
BASE="${1:?usage: scripts/smoke.sh BASE_URL (e.g. https://todo.example.com)}"
BASE="${BASE%/}"
TIMEOUT="${SMOKE_TIMEOUT:-60}"
CURL=(curl -sS --max-time 20 --retry 3 --retry-all-errors)
[ "${SMOKE_INSECURE:-}" = 1 ] && CURL+=(-k)
WORK="$(mktemp -d)"; trap 'kill "${WS_PID:-}" 2>/dev/null || true; rm -rf "$WORK"' EXIT
say() { printf '[smoke %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
fail() { say "FAIL: $*"; exit 1; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

code="$("${CURL[@]}" -o "$WORK/index.html" -w '%{http_code}' "$BASE/")"
[ "$code" = 200 ] && grep -qi '<html' "$WORK/index.html" || fail "GET / answered $code, not the web app"
ctype="$("${CURL[@]}" -o /dev/null -w '%{http_code} %{content_type}' "$BASE/api/me")"
[ "${ctype%% *}" = 401 ] && [[ "$ctype" == *problem+json* ]] || fail "GET /api/me without a token: $ctype (want 401 problem+json)"
say "web app at /, api at /api (401 problem+json without a token)"

email="smoke-$(date +%s)-$RANDOM@example.com"
"${CURL[@]}" -f -H 'content-type: application/json' \
  -d "{\"email\":\"$email\",\"password\":\"smoke-test-$RANDOM-$RANDOM\",\"name\":\"Smoke\"}" \
  "$BASE/api/auth/signup" > "$WORK/signup.json" || fail "signup failed: $(cat "$WORK/signup.json")"
TOKEN="$(json 'd["access_token"]' < "$WORK/signup.json")"
say "signed up $email"

# A tiny WebSocket client (standard library): handshake, then print each text frame.
cat > "$WORK/ws.py" <<'PY'
import base64, json, os, socket, ssl, struct, sys, time
from urllib.parse import urlsplit
url, token, out, ready = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
u = urlsplit(url)
secure = u.scheme == "https"
port = u.port or (443 if secure else 80)
sock = socket.create_connection((u.hostname, port), timeout=10)
if secure:
    ctx = ssl.create_default_context()
    if os.environ.get("SMOKE_INSECURE") == "1":
        ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    sock = ctx.wrap_socket(sock, server_hostname=u.hostname)
key = base64.b64encode(os.urandom(16)).decode()
sock.sendall((f"GET /ws?token={token} HTTP/1.1\r\nHost: {u.hostname}\r\nUpgrade: websocket\r\n"
              f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
head = b""
while b"\r\n\r\n" not in head:
    chunk = sock.recv(1)
    if not chunk:
        sys.exit("connection closed during the handshake")
    head += chunk
status = head.split(b"\r\n")[0]
if b" 101 " not in status:
    sys.exit(f"no WebSocket upgrade: {status!r}")
open(ready, "w").close()
sock.settimeout(None)
def read(n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf
with open(out, "a") as f:
    while True:
        b1, b2 = read(2)
        n = b2 & 0x7F
        if n == 126: n = struct.unpack(">H", read(2))[0]
        elif n == 127: n = struct.unpack(">Q", read(8))[0]
        mask = read(4) if b2 & 0x80 else None
        data = bytearray(read(n))
        if mask:
            data = bytearray(b ^ mask[i % 4] for i, b in enumerate(data))
        op = b1 & 0x0F
        if op == 8:
            sys.exit(f"closed by the server: {bytes(data[:2]).hex()} {bytes(data[2:])!r}")
        if op == 1:
            f.write(data.decode() + "\n"); f.flush()
PY
python3 "$WORK/ws.py" "$BASE" "$TOKEN" "$WORK/updates.jsonl" "$WORK/ws.ready" 2> "$WORK/ws.err" &
WS_PID=$!
for _ in $(seq 1 "$((TIMEOUT * 5))"); do
  [ -e "$WORK/ws.ready" ] && break
  kill -0 "$WS_PID" 2>/dev/null || fail "WebSocket: $(cat "$WORK/ws.err")"
  sleep 0.2
done
[ -e "$WORK/ws.ready" ] || fail "WebSocket /ws did not open in ${TIMEOUT}s"
say "live updates: /ws open"

due="$(python3 -c 'import datetime as d; print((d.datetime.now(d.timezone.utc)+d.timedelta(hours=2)).isoformat(timespec="seconds"))')"
remind="$(python3 -c 'import datetime as d; print((d.datetime.now(d.timezone.utc)+d.timedelta(hours=1)).isoformat(timespec="seconds"))')"
"${CURL[@]}" -f -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' \
  -d "{\"title\":\"smoke test\",\"priority\":\"high\",\"tags\":[\"smoke\"],\"due_at\":\"$due\",\"remind_at\":\"$remind\"}" \
  "$BASE/api/tasks" > "$WORK/task.json" || fail "create task failed: $(cat "$WORK/task.json")"
TASK="$(json 'd["id"]' < "$WORK/task.json")"
[ "$(json 'd["remind_at"] is not None' < "$WORK/task.json")" = True ] || fail "the task has no reminder"
say "created task $TASK (due $due, reminder $remind)"

for _ in $(seq 1 "$((TIMEOUT * 2))"); do
  grep -q "\"task_id\": *$TASK\b" "$WORK/updates.jsonl" 2>/dev/null && break
  sleep 0.5
done
grep -q "\"task_id\": *$TASK\b" "$WORK/updates.jsonl" 2>/dev/null \
  || fail "no live update for task $TASK in ${TIMEOUT}s (got: $(cat "$WORK/updates.jsonl" 2>/dev/null))"
say "live update received: $(grep "\"task_id\": *$TASK\b" "$WORK/updates.jsonl" | head -n1)"

# history TASK EVENT...: wait until the task's history (audit service, through Kafka) holds
# every EVENT type, in that order.
history() {
  local task="$1"; shift
  local want; want="$(printf '"%s",' "$@")"
  for _ in $(seq 1 "$((TIMEOUT / 2))"); do
    "${CURL[@]}" -H "Authorization: Bearer $TOKEN" "$BASE/api/tasks/$task/history" > "$WORK/history.json" || true
    if json "[e.get('event_type') for e in d.get('items', [])] == [${want%,}]" < "$WORK/history.json" 2>/dev/null | grep -q True; then
      say "history of $task: $(json '[e["event_type"] for e in d["items"]]' < "$WORK/history.json")"
      return 0
    fi
    sleep 2
  done
  fail "task $task history is not [${want%,}]: $(cat "$WORK/history.json")"
}
history "$TASK" created

if [ -n "${SMOKE_MAILBOX:-}" ]; then
  MAILBOX="${SMOKE_MAILBOX%/}/messages"
  mails_to_me() {
    curl -sS --max-time 10 "$MAILBOX" | python3 -c "
import json, sys
print(sum(1 for m in json.load(sys.stdin) if '$email' in ' '.join(m['to']) and m['subject'] == 'Reminder: smoke recurring'))"
  }
  remind="$(python3 -c 'import datetime as d; print((d.datetime.now(d.timezone.utc)+d.timedelta(seconds=5)).isoformat(timespec="seconds"))')"
  "${CURL[@]}" -f -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' \
    -d "{\"title\":\"smoke recurring\",\"due_at\":\"$due\",\"remind_at\":\"$remind\",\"recurrence\":\"FREQ=DAILY\"}" \
    "$BASE/api/tasks" > "$WORK/recurring.json" || fail "create recurring task failed: $(cat "$WORK/recurring.json")"
  RTASK="$(json 'd["id"]' < "$WORK/recurring.json")"
  SERIES="$(json 'd["series_id"]' < "$WORK/recurring.json")"
  say "created recurring task $RTASK (daily, reminder at $remind)"
  for _ in $(seq 1 "$((TIMEOUT * 2))"); do
    [ "$(mails_to_me)" -ge 1 ] && break
    sleep 0.5
  done
  [ "$(mails_to_me)" -ge 1 ] || fail "no reminder email in ${TIMEOUT}s at $MAILBOX"
  say "reminder email arrived at $(date -u +%H:%M:%S) (due $remind); waiting 10 s for a duplicate"
  sleep 10
  n="$(mails_to_me)"; [ "$n" = 1 ] || fail "the reminder was mailed $n times"
  say "exactly one reminder email"

  "${CURL[@]}" -f -X POST -H "Authorization: Bearer $TOKEN" "$BASE/api/tasks/$RTASK/complete" > /dev/null \
    || fail "complete task $RTASK failed"
  for _ in $(seq 1 "$TIMEOUT"); do
    "${CURL[@]}" -H "Authorization: Bearer $TOKEN" "$BASE/api/tasks?q=smoke%20recurring" > "$WORK/series.json" || true
    [ "$(json "len([t for t in d['items'] if t['series_id'] == '$SERIES'])" < "$WORK/series.json" 2>/dev/null)" = 2 ] && break
    sleep 1
  done
  [ "$(json "len([t for t in d['items'] if t['series_id'] == '$SERIES'])" < "$WORK/series.json")" = 2 ] \
    || fail "completing $RTASK made no next occurrence: $(cat "$WORK/series.json")"
  say "rolled over: $(json "sorted(t['due_at'] for t in d['items'] if t['series_id'] == '$SERIES')" < "$WORK/series.json")"
  history "$RTASK" created completed
fi
say "OK: $BASE"
