"""The append-only event store behind task history and `todo events rebuild`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from todo.storage.tables import EventRecordRow, InboxRow


def _insert_ignoring_duplicates(session: AsyncSession, table: Any) -> Any:
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(table)


async def append(session: AsyncSession, event: dict[str, Any], now: datetime) -> bool:
    """Store a task event once; False when its event_id is already there."""
    stmt = (
        _insert_ignoring_duplicates(session, EventRecordRow)
        .values(
            event_id=event["event_id"],
            task_id=event["task_id"],
            user_id=event["user_id"],
            event_type=event["event_type"],
            version=event["version"],
            occurred_at=datetime.fromisoformat(event["timestamp"]),
            recorded_at=now,
            payload=event,
        )
        .on_conflict_do_nothing(index_elements=["event_id"])
    )
    result = cast(CursorResult[Any], await session.execute(stmt))
    return bool(result.rowcount)


async def history(session: AsyncSession, user_id: int, task_id: int) -> list[dict[str, Any]]:
    rows = await session.scalars(
        select(EventRecordRow)
        .where(EventRecordRow.task_id == task_id, EventRecordRow.user_id == user_id)
        .order_by(EventRecordRow.version, EventRecordRow.id)
    )
    return [row.payload for row in rows]


async def replay(session: AsyncSession) -> AsyncIterator[dict[str, Any]]:
    """Every stored event, in the order it was recorded."""
    result = await session.stream_scalars(select(EventRecordRow).order_by(EventRecordRow.id))
    async for row in result:
        yield row.payload


async def first_time(session: AsyncSession, consumer: str, event_id: str, now: datetime) -> bool:
    """Claim `event_id` for `consumer` in the caller's transaction; False if already claimed."""
    stmt = (
        _insert_ignoring_duplicates(session, InboxRow)
        .values(consumer=consumer, event_id=event_id, processed_at=now)
        .on_conflict_do_nothing(index_elements=["consumer", "event_id"])
    )
    result = cast(CursorResult[Any], await session.execute(stmt))
    return bool(result.rowcount)
