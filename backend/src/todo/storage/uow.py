"""The unit of work: one transaction around a use case, committed explicitly."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from todo.storage.outbox import Outbox
from todo.storage.repository import TaskRepository, UserRepository


class UnitOfWork:
    """`async with uow: …; await uow.commit()`; leaving without commit rolls back.

    `on_commit` callbacks run after a successful commit (the relay's wake-up).
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        on_commit: Callable[[], None] | None = None,
    ) -> None:
        self._sessions = sessions
        self._on_commit = on_commit

    async def __aenter__(self) -> Self:
        self.session = self._sessions()
        self.tasks = TaskRepository(self.session)
        self.users = UserRepository(self.session)
        self.outbox = Outbox(self.session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            await self.session.rollback()
        finally:
            await self.session.close()

    async def commit(self) -> None:
        await self.session.commit()
        if self._on_commit is not None:
            self._on_commit()
