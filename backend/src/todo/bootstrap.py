"""Wires a process together from settings: engine, sessions, transport, relay, handlers.

The only place that chooses adapters: the embedded mode (in-process events) and the stack
(Dapr) differ here and nowhere else.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from todo.auth.throttle import LoginThrottle
from todo.domain.events import task_data
from todo.messaging.inprocess import InProcessPublisher
from todo.messaging.ports import Publisher, Subscription
from todo.messaging.relay import Relay
from todo.services import audit, registry
from todo.services.context import Context
from todo.settings import EventTransport, Settings
from todo.storage.db import create_engine, session_factory
from todo.storage.uow import UnitOfWork
from todo.usecases import tasks as usecases


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    ctx: Context
    relay: Relay
    subscriptions: list[Subscription]
    login_throttle: LoginThrottle
    _tasks: list[asyncio.Task[Any]] = field(default_factory=list)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessions, on_commit=self.relay.wake)

    async def history(self, user_id: int, task_id: int) -> list[dict[str, Any]]:
        return await audit.task_history(self.ctx, user_id, task_id)

    async def start(self) -> None:
        self._tasks.append(asyncio.create_task(self.relay.run(), name="outbox-relay"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        await self.engine.dispose()


class LocalTaskCommands:
    """TaskCommands for a worker living in the api's own process (embedded mode)."""

    def __init__(self, uow: Callable[[], UnitOfWork]) -> None:
        self._uow = uow

    async def create_next_occurrence(self, user_id: int, task_id: int) -> dict[str, Any] | None:
        task = await usecases.create_next_occurrence(self._uow(), user_id, task_id)
        return None if task is None else task_data(task)


def build(settings: Settings, publisher: Publisher | None = None) -> Runtime:
    engine = create_engine(settings)
    sessions = session_factory(engine)
    # The relay is created below; the lambda reads it at call time.
    runtime_ref: list[Runtime] = []
    ctx = Context(
        settings=settings,
        sessions=sessions,
        tasks=LocalTaskCommands(lambda: runtime_ref[0].uow()),
    )
    subscriptions = registry.for_roles()
    if publisher is None:
        if settings.events is not EventTransport.inprocess:
            raise NotImplementedError(
                f"TODO_EVENTS={settings.events.value} is not available yet; use inprocess"
            )
        publisher = InProcessPublisher(subscriptions, ctx)
    relay = Relay(
        sessions,
        publisher,
        batch_size=settings.relay_batch_size,
        poll_seconds=settings.relay_poll_seconds,
    )
    runtime = Runtime(
        settings, engine, sessions, ctx, relay, subscriptions, LoginThrottle(settings)
    )
    runtime_ref.append(runtime)
    return runtime
