"""Embedded forms of the service ports: direct calls, the database, asyncio timers."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from todo.clock import utcnow
from todo.domain.events import Message, task_data
from todo.messaging.ports import Publisher
from todo.observability import tracing
from todo.observability.logging import get_logger
from todo.storage import event_store
from todo.storage.outbox import PendingMessage
from todo.storage.tables import InboxRow
from todo.storage.uow import UnitOfWork
from todo.usecases import tasks as usecases

log = get_logger(__name__)


class LocalTaskCommands:
    def __init__(self, uow: Callable[[], UnitOfWork]) -> None:
        self._uow = uow

    async def create_next_occurrence(self, user_id: int, task_id: int) -> dict[str, Any] | None:
        task = await usecases.create_next_occurrence(self._uow(), user_id, task_id)
        return None if task is None else task_data(task)


class LocalPublish:
    """Workers' own events, handed straight to the in-process subscribers."""

    def __init__(self, publisher: Callable[[], Publisher]) -> None:
        self._publisher = publisher

    async def __call__(self, message: Message) -> None:
        pending = PendingMessage(
            0, message.topic, message.key, message.payload, tracing.current_traceparent(), 0
        )
        await self._publisher().publish_batch([pending])


class DbMarkers:
    """Markers as rows of the inbox table: the primary key makes the first insert win."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    @staticmethod
    def _split(key: str) -> tuple[str, str]:
        kind, _, ident = key.partition(":")
        return kind, ident

    async def claim(self, key: str) -> bool:
        kind, ident = self._split(key)
        async with self._sessions() as session, session.begin():
            return await event_store.first_time(session, kind, ident, utcnow())

    async def release(self, key: str) -> None:
        kind, ident = self._split(key)
        async with self._sessions() as session, session.begin():
            await session.execute(
                delete(InboxRow).where(InboxRow.consumer == kind, InboxRow.event_id == ident)
            )


class AsyncioJobs:
    """Reminder timers in this process. Lost on restart: the sweep at start-up covers that."""

    def __init__(self) -> None:
        self._timers: dict[int, asyncio.TimerHandle] = {}
        self._running: set[asyncio.Task[None]] = set()
        self.on_fire: Callable[[dict[str, Any]], Awaitable[None]] | None = None

    async def schedule(self, task_id: int, due: datetime, data: dict[str, Any]) -> None:
        await self.cancel(task_id)
        delay = max(0.0, (due - utcnow()).total_seconds())
        loop = asyncio.get_running_loop()
        self._timers[task_id] = loop.call_later(delay, self._fire, task_id, data)

    async def cancel(self, task_id: int) -> None:
        timer = self._timers.pop(task_id, None)
        if timer is not None:
            timer.cancel()

    def _fire(self, task_id: int, data: dict[str, Any]) -> None:
        self._timers.pop(task_id, None)
        if self.on_fire is not None:
            task = asyncio.create_task(self._run(data))
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def _run(self, data: dict[str, Any]) -> None:
        assert self.on_fire is not None
        try:
            await self.on_fire(data)
        except Exception:  # the sweep retries what failed here
            log.exception("reminder timer failed", task_id=data.get("task_id"))

    def close(self) -> None:
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
