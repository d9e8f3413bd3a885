"""What handlers may use: the ports a service talks through, built once per process.

Each port has an in-process form (embedded mode) and a Dapr form (the stack); bootstrap.py
picks one. Handlers never know which.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from todo.domain.events import Message
from todo.settings import Settings


class TaskCommands(Protocol):
    """The api's commands a worker may call: in-process, or Dapr service invocation."""

    async def create_next_occurrence(self, user_id: int, task_id: int) -> dict[str, Any] | None: ...


class Publish(Protocol):
    """Publish one event now (workers' own events; the api's go through the outbox)."""

    async def __call__(self, message: Message) -> None: ...


class Markers(Protocol):
    """First-write-wins markers: `claim` is True for exactly one caller per key."""

    async def claim(self, key: str) -> bool: ...

    async def release(self, key: str) -> None: ...


class ReminderJobs(Protocol):
    """One timer per task: Dapr jobs in the stack, asyncio timers when embedded."""

    async def schedule(self, task_id: int, due: datetime, data: dict[str, Any]) -> None: ...

    async def cancel(self, task_id: int) -> None: ...


class Mailer(Protocol):
    async def send(self, to: str, subject: str, body: str) -> None: ...


class Push(Protocol):
    """Deliver a message to one user's open browsers connected to this process."""

    async def __call__(self, user_id: int, message: dict[str, Any]) -> int: ...


@dataclass
class Context:
    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    tasks: TaskCommands
    publish: Publish
    markers: Markers
    jobs: ReminderJobs
    mailer: Mailer
    push: Push
