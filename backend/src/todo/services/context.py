"""What handlers may use, built once per process by the bootstrap."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from todo.settings import Settings


class TaskCommands(Protocol):
    """The api's commands a worker may call: in-process when embedded, Dapr service
    invocation to the api in the stack."""

    async def create_next_occurrence(self, user_id: int, task_id: int) -> dict[str, Any] | None: ...


@dataclass
class Context:
    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    tasks: TaskCommands
