"""A local SMTP sink for `make stack`: accepts every mail on 127.0.0.1, prints a line per
mail and appends the whole message to logs/smtp.log. Needs aiosmtpd (a dev dependency)."""

from __future__ import annotations

import asyncio
import email
import email.policy
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def available() -> bool:
    try:
        import aiosmtpd.smtp  # noqa: F401
    except ImportError:
        return False
    return True


class PrintingSink:
    def __init__(self, log: Path, say: Callable[[str], None]) -> None:
        self.log = log
        self.say = say
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.count += 1
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        stamp = time.strftime("%H:%M:%S")
        to = ", ".join(envelope.rcpt_tos)
        self.say(f"[smtp {stamp}] mail #{self.count} to {to}: {message.get('Subject', '')}")
        with self.log.open("ab") as f:
            f.write(
                f"=== mail #{self.count} at {stamp} from {envelope.mail_from} to {to}\n".encode()
            )
            f.write(envelope.content)
            f.write(b"\n")
        return "250 Message accepted"


async def serve(host: str, port: int, log: Path, say: Callable[[str], None]) -> asyncio.Server:
    """An SMTP server on the running event loop; close it with server.close()."""
    from aiosmtpd.smtp import SMTP

    sink = PrintingSink(log, say)
    loop = asyncio.get_running_loop()
    return await loop.create_server(lambda: SMTP(sink, hostname="localhost"), host, port)
