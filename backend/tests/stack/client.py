"""What the stack tests use: users on the real api, the SMTP inbox, Kafka, the database."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import asyncpg
import httpx

from tests.support.api import User, signup
from tests.support.smtp import Inbox, Received

T = TypeVar("T")


class StackClient:
    def __init__(self, stack: Any, smtp: Inbox, http: httpx.AsyncClient) -> None:
        self.stack = stack
        self.smtp = smtp
        self.http = http

    @property
    def api_url(self) -> str:
        return str(self.stack.api_url)

    @property
    def kafka(self) -> str:
        return str(self.stack.kafka_bootstrap)

    async def signup(self) -> User:
        return await signup(self.http)

    def ws_url(self, user: User) -> str:
        return f"{self.api_url.replace('http', 'ws', 1)}/ws?token={user.token}"

    async def until(self, check: Callable[[], bool], what: str, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while not check():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for: {what}")
            await asyncio.sleep(0.05)

    async def until_value(
        self,
        probe: Callable[[], Awaitable[T]],
        check: Callable[[T], bool],
        what: str,
        timeout: float = 20,
    ) -> T:
        deadline = time.monotonic() + timeout
        while True:
            value = await probe()
            if check(value) or time.monotonic() > deadline:
                return value
            await asyncio.sleep(0.1)

    async def mails_to(self, address: str, count: int, timeout: float) -> list[Received]:
        return await asyncio.to_thread(self.smtp.wait_for, address, count, timeout)

    async def _db(self) -> asyncpg.Connection:
        url = str(self.stack.database_url).replace("postgresql+asyncpg", "postgresql")
        return await asyncpg.connect(url)

    async def created_events_in_store(self, task_ids: set[int]) -> dict[int, int]:
        conn = await self._db()
        try:
            rows = await conn.fetch(
                "SELECT task_id, count(*) AS n FROM event_store "
                "WHERE event_type = 'created' AND task_id = ANY($1::bigint[]) GROUP BY task_id",
                list(task_ids),
            )
        finally:
            await conn.close()
        return {int(r["task_id"]): int(r["n"]) for r in rows}

    async def rebuild(self) -> list[str]:
        result = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "todo.cli", "events", "rebuild"],
            env={
                **os.environ,
                "DATABASE_URL": str(self.stack.database_url),
                "TODO_ENVIRONMENT": "test",
                "TODO_LOG_LEVEL": "WARNING",
            },
            capture_output=True,
            text=True,
            check=False,
        )
        lines = [line for line in result.stdout.splitlines() if not line.startswith("rebuild:")]
        assert result.returncode in (0, 1), result.stderr
        return lines
