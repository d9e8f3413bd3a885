"""The reminders service's schedule table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from todo.storage.tables import ReminderRow


@dataclass(frozen=True)
class Applied:
    newer: bool  # this event is newer than what was known: act on it
    had_reminder: bool  # a timer may exist from before


@dataclass(frozen=True)
class Reminder:
    task_id: int
    user_id: int
    title: str
    due_at: datetime | None
    remind_at: datetime


async def apply(
    session: AsyncSession,
    *,
    task_id: int,
    user_id: int,
    title: str,
    due_at: datetime | None,
    remind_at: datetime | None,
    version: int,
) -> Applied:
    """Record the task's reminder as of `version`, unless a newer version is already known.

    A moved reminder (another remind_at) is unsent again; the same one keeps its sent mark.
    A task that never had a reminder gets no row at all (most tasks: no write per event).
    """
    row = await session.get(ReminderRow, task_id, with_for_update=True)
    if row is None:
        if remind_at is None:
            return Applied(newer=False, had_reminder=False)
        session.add(
            ReminderRow(
                task_id=task_id,
                user_id=user_id,
                title=title,
                due_at=due_at,
                remind_at=remind_at,
                version=version,
                sent_at=None,
            )
        )
        return Applied(newer=True, had_reminder=False)
    if version <= row.version:
        return Applied(newer=False, had_reminder=row.remind_at is not None)
    had = row.remind_at is not None
    if row.remind_at != remind_at:
        row.sent_at = None
    row.title, row.due_at, row.remind_at, row.version = title, due_at, remind_at, version
    return Applied(newer=True, had_reminder=had)


async def pending(session: AsyncSession, task_id: int, remind_at: datetime) -> Reminder | None:
    """The reminder of `task_id` if it is still due at `remind_at` and not yet sent."""
    row = await session.get(ReminderRow, task_id)
    if row is None or row.remind_at != remind_at or row.sent_at is not None:
        return None
    return Reminder(row.task_id, row.user_id, row.title, row.due_at, remind_at)


async def due(session: AsyncSession, now: datetime, limit: int = 500) -> list[Reminder]:
    rows = await session.scalars(
        select(ReminderRow)
        .where(ReminderRow.remind_at <= now, ReminderRow.sent_at.is_(None))
        .order_by(ReminderRow.remind_at)
        .limit(limit)
    )
    return [
        Reminder(r.task_id, r.user_id, r.title, r.due_at, r.remind_at) for r in rows if r.remind_at
    ]


async def mark_sent(
    session: AsyncSession, task_id: int, remind_at: datetime, now: datetime
) -> None:
    await session.execute(
        update(ReminderRow)
        .where(ReminderRow.task_id == task_id, ReminderRow.remind_at == remind_at)
        .values(sent_at=now)
    )
