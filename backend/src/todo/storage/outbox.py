"""The transactional outbox: events saved with the change, published later by the relay."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from todo.domain.events import Message
from todo.storage.tables import OutboxRow

NOTIFY_CHANNEL = "todo_outbox"


@dataclass(frozen=True)
class PendingMessage:
    id: int
    topic: str
    key: str
    payload: dict[str, Any]
    traceparent: str | None
    attempts: int


class Outbox:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, messages: list[Message], now: datetime, traceparent: str | None) -> None:
        if not messages:
            return
        await self.session.execute(
            insert(OutboxRow),
            [
                {
                    "topic": m.topic,
                    "key": m.key,
                    "payload": m.payload,
                    "created_at": now,
                    "traceparent": traceparent,
                }
                for m in messages
            ],
        )
        if self.session.bind is not None and self.session.bind.dialect.name == "postgresql":
            # Delivered at commit, so a relay in another process wakes only for committed rows.
            await self.session.execute(text(f"NOTIFY {NOTIFY_CHANNEL}"))


# An arbitrary constant naming the relay's advisory lock.
_RELAY_LOCK = 0x7A0D0_0B0C


async def try_lead(session: AsyncSession) -> bool:
    """PostgreSQL: take the relay's advisory lock for this transaction, if it is free."""
    return bool(
        await session.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": _RELAY_LOCK})
    )


async def pending(session: AsyncSession, limit: int) -> list[PendingMessage]:
    rows = await session.execute(
        select(OutboxRow).where(OutboxRow.sent_at.is_(None)).order_by(OutboxRow.id).limit(limit)
    )
    return [
        PendingMessage(r.id, r.topic, r.key, r.payload, r.traceparent, r.attempts)
        for r in rows.scalars()
    ]


async def mark_sent(session: AsyncSession, ids: list[int], now: datetime) -> None:
    if ids:
        await session.execute(
            update(OutboxRow).where(OutboxRow.id.in_(ids)).values(sent_at=now, last_error=None)
        )


async def mark_failed(session: AsyncSession, row_id: int, error: str) -> None:
    await session.execute(
        update(OutboxRow)
        .where(OutboxRow.id == row_id)
        .values(attempts=OutboxRow.attempts + 1, last_error=error[:2000])
    )


async def backlog(session: AsyncSession) -> tuple[int, datetime | None]:
    """How many rows wait, and since when the oldest has waited."""
    row = (
        await session.execute(
            select(func.count(), func.min(OutboxRow.created_at)).where(OutboxRow.sent_at.is_(None))
        )
    ).one()
    return int(row[0]), row[1]
