"""An SMTP sink for a local cluster: accepts every mail (no auth, no TLS) and keeps it in memory;
an HTTP API shows what arrived, so a smoke test can check that a mail came exactly once.

    GET    /messages  -> [{"from", "to", "subject", "body", "headers"}, ...] in arrival order
    DELETE /messages  -> forgets them all (204)
    GET    /healthz   -> "ok"

Env: SMTP_SINK_HOST [0.0.0.0], SMTP_SINK_SMTP_PORT [1025], SMTP_SINK_HTTP_PORT [8025].
Standard library + aiosmtpd (Debian's python3-aiosmtpd) only. Writes nothing to disk.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import os
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.smtp import SMTP

MESSAGES: list[dict[str, Any]] = []
LOCK = threading.Lock()


def say(text: str) -> None:
    print(f"smtp-sink: {text}", file=sys.stderr, flush=True)


class Sink:
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        part = msg.get_body(preferencelist=("plain", "html"))
        body = part.get_content() if part is not None else ""
        record = {
            "from": envelope.mail_from,
            "to": list(envelope.rcpt_tos),
            "subject": str(msg.get("Subject", "")),
            "body": body,
            "headers": {k: str(v) for k, v in msg.items()},
        }
        with LOCK:
            MESSAGES.append(record)
            n = len(MESSAGES)
        say(f"mail #{n} from {record['from']} to {', '.join(record['to'])}: {record['subject']}")
        return "250 Message accepted"


class Api(BaseHTTPRequestHandler):
    def _send(self, code: int, payload: Any = None) -> None:
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(code)
        if payload is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path == "/messages":
            with LOCK:
                self._send(200, list(MESSAGES))
        elif self.path == "/healthz":
            self._send(200, "ok")
        else:
            self._send(404, {"error": "not found"})

    def do_DELETE(self) -> None:
        if self.path == "/messages":
            with LOCK:
                MESSAGES.clear()
            self._send(204)
        else:
            self._send(404, {"error": "not found"})

    def log_message(self, format: str, *args: Any) -> None:
        pass  # probes would flood the log


async def main() -> None:
    host = os.environ.get("SMTP_SINK_HOST", "0.0.0.0")  # noqa: S104 (inside a pod)
    smtp_port = int(os.environ.get("SMTP_SINK_SMTP_PORT", "1025"))
    http_port = int(os.environ.get("SMTP_SINK_HTTP_PORT", "8025"))
    api = ThreadingHTTPServer((host, http_port), Api)
    threading.Thread(target=api.serve_forever, daemon=True).start()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(Sink(), hostname="smtp-sink"), host, smtp_port)
    say(f"SMTP on {host}:{smtp_port}, HTTP on {host}:{http_port}")
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    server.close()
    api.shutdown()
    say("stopped")


if __name__ == "__main__":
    asyncio.run(main())
