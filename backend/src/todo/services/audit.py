"""audit: keeps every task event in the append-only event store and answers history."""

from __future__ import annotations

from typing import Any

from todo.clock import utcnow
from todo.services.context import Context
from todo.storage import event_store


async def record_task_event(event: dict[str, Any], ctx: Context) -> None:
    # The event store's unique event_id makes a redelivery a no-op.
    async with ctx.sessions() as session, session.begin():
        await event_store.append(session, event, utcnow())


async def task_history(ctx: Context, user_id: int, task_id: int) -> list[dict[str, Any]]:
    async with ctx.sessions() as session:
        return await event_store.history(session, user_id, task_id)
