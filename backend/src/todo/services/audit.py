"""audit: keeps every task event in the append-only event store and answers history."""

from __future__ import annotations

from typing import Any

from todo.clock import utcnow
from todo.domain.events import task_data
from todo.services.context import Context
from todo.storage import event_store
from todo.storage.repository import all_tasks as live_tasks


async def record_task_event(event: dict[str, Any], ctx: Context) -> None:
    # The event store's unique event_id makes a redelivery a no-op.
    async with ctx.sessions() as session, session.begin():
        await event_store.append(session, event, utcnow())


async def task_history(ctx: Context, user_id: int, task_id: int) -> list[dict[str, Any]]:
    async with ctx.sessions() as session:
        return await event_store.history(session, user_id, task_id)


# Fields task_data gained after events were already stored, with the value they then meant.
_ADDED_LATER = {"time_zone": "UTC"}


async def rebuild(ctx: Context) -> list[str]:
    """Replay the event store and compare each task's rebuilt state with its live row.

    Returns one line per difference; an empty list means the store and the tasks agree.
    """
    rebuilt: dict[int, dict[str, Any]] = {}
    async with ctx.sessions() as session:
        async for event in event_store.replay(session):
            known = rebuilt.get(event["task_id"])
            if known is None or event["version"] > known["version"]:
                rebuilt[event["task_id"]] = event
        live = {t.id: t for t in await live_tasks(session) if t.id is not None}
    differences = []
    for task_id, event in sorted(rebuilt.items()):
        row = live.pop(task_id, None)
        if event["event_type"] == "deleted":
            if row is not None:
                differences.append(f"task {task_id}: deleted in the store, present live")
            continue
        if row is None:
            differences.append(
                f"task {task_id}: live row missing (last event {event['event_type']})"
            )
            continue
        current = task_data(row)
        recorded = {**_ADDED_LATER, **event["task_data"]}
        changed = sorted(k for k in current if current[k] != recorded.get(k))
        if changed:
            differences.append(f"task {task_id}: differs in {', '.join(changed)}")
    for task_id in sorted(live):
        differences.append(f"task {task_id}: live row has no events in the store")
    return differences
