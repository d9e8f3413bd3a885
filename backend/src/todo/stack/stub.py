"""A tiny stand-in app for the launcher's own checks (`python -m todo.stack --stub`).

It answers what daprd calls on an app: GET /healthz, GET /dapr/subscribe (empty: the
subscriptions are declarative), POST /events/<topic> (SUCCESS; RETRY or DROP when the event's
data has "stub": "retry" / "drop"), POST /job/<name>, POST /reminder-sweep. Everything it
receives is kept in memory (GET /received) and appended to $TODO_STUB_RECORD (JSON lines).
Standard library only, so it starts in a fraction of a second.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_received: list[dict[str, Any]] = []
_lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    server_version = "todo-stub"

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def _send(self, code: int, body: Any = None) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _record(self) -> dict[str, Any]:
        size = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(size).decode("utf-8", "replace") if size else ""
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw
        entry = {
            "app_id": os.environ.get("TODO_APP_ID", ""),
            "method": self.command,
            "path": self.path,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": body,
        }
        with _lock:
            _received.append(entry)
            record = os.environ.get("TODO_STUB_RECORD")
            if record:
                with open(record, "a") as f:
                    f.write(json.dumps(entry) + "\n")
        return entry

    def do_GET(self) -> None:
        if self.path in ("/healthz", "/readyz"):
            return self._send(200, {"status": "ok", "app_id": os.environ.get("TODO_APP_ID")})
        if self.path == "/dapr/subscribe":
            return self._send(200, [])
        if self.path == "/received":
            with _lock:
                return self._send(200, list(_received))
        return self._send(404, {"detail": "not found"})

    def do_OPTIONS(self) -> None:
        self._send(200)

    def do_POST(self) -> None:
        entry = self._record()
        if self.path.startswith("/events/"):
            body = entry["body"] if isinstance(entry["body"], dict) else {}
            if isinstance(body.get("entries"), list):  # bulk delivery: a status per entry
                statuses = [
                    {"entryId": e.get("entryId"), "status": _status_of(e.get("event"))}
                    for e in body["entries"]
                    if isinstance(e, dict)
                ]
                return self._send(200, {"statuses": statuses})
            return self._send(200, {"status": _status_of(body)})
        if self.path.startswith("/job/") or self.path == "/reminder-sweep":
            return self._send(200, {})
        return self._send(404, {"detail": "not found"})


def _status_of(cloud_event: Any) -> str:
    """SUCCESS, or RETRY / DROP when the event's data says {"stub": "retry" | "drop"}."""
    data = cloud_event.get("data") if isinstance(cloud_event, dict) else None
    stub = data.get("stub") if isinstance(data, dict) else None
    return {"retry": "RETRY", "drop": "DROP"}.get(str(stub), "SUCCESS")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


if __name__ == "__main__":
    main()
