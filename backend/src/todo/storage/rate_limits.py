"""A database storage for the `limits` library's moving-window strategy.

`limits` keeps its windows in memory (per process) or in Redis/Memcached/MongoDB; this project
has none of those but does have one database every api replica shares. This class is a
`limits` storage backed by the `rate_limit_entries` table, so the strategy (the algorithm) stays
the library's and only the bookkeeping lives here. One entry row per counted hit; a hit is
decided under a per-key lock (PostgreSQL advisory lock; SQLite serialises writers anyway).
"""

from __future__ import annotations

import time

from limits.aio.storage import MovingWindowSupport, Storage
from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from todo.storage.tables import RateLimitEntryRow as Entry

SWEEP_SECONDS = 60.0


class DatabaseStorage(Storage, MovingWindowSupport):
    STORAGE_SCHEME = None  # built in code, never from a limits URI

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        super().__init__()
        self._sessions = sessions
        self._swept_at = 0.0

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    async def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        if amount > limit:
            return False
        async with self._sessions() as session, session.begin():
            if session.get_bind().dialect.name == "postgresql":
                await session.execute(
                    text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": key}
                )
            now = time.time()
            # This key's expired entries go under its lock; everyone's, at most once a minute
            # per process (a global delete per attempt would make concurrent logins queue).
            await session.execute(delete(Entry).where(Entry.key == key, Entry.expires_at < now))
            if now - self._swept_at > SWEEP_SECONDS:
                self._swept_at = now
                await session.execute(delete(Entry).where(Entry.expires_at < now - 1))
            count = await session.scalar(
                select(func.count()).where(Entry.key == key, Entry.at >= now - expiry)
            )
            if (count or 0) + amount > limit:
                return False
            await session.execute(
                insert(Entry), [{"key": key, "at": now, "expires_at": now + expiry}] * amount
            )
            return True

    async def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        now = time.time()
        async with self._sessions() as session:
            oldest, count = (
                await session.execute(
                    select(func.min(Entry.at), func.count()).where(
                        Entry.key == key, Entry.at >= now - expiry
                    )
                )
            ).one()
        return (float(oldest), int(count)) if count else (now, 0)

    async def clear(self, key: str) -> None:
        async with self._sessions() as session, session.begin():
            await session.execute(delete(Entry).where(Entry.key == key))

    async def reset(self) -> int | None:
        async with self._sessions() as session, session.begin():
            result = await session.execute(delete(Entry))
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def check(self) -> bool:
        async with self._sessions() as session:
            return bool(await session.scalar(text("SELECT 1")) == 1)

    # Fixed-window operations: the login throttle uses the moving window only.
    async def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        raise NotImplementedError("DatabaseStorage supports the moving-window strategy only")

    async def get(self, key: str) -> int:
        raise NotImplementedError("DatabaseStorage supports the moving-window strategy only")

    async def get_expiry(self, key: str) -> float:
        raise NotImplementedError("DatabaseStorage supports the moving-window strategy only")
