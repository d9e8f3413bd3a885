"""recurrence: when a recurring task is completed, create the next task of its series."""

from __future__ import annotations

from typing import Any

from todo.domain.errors import TaskNotFound
from todo.observability.logging import get_logger
from todo.services.context import Context

log = get_logger(__name__)


async def roll_over(event: dict[str, Any], ctx: Context) -> None:
    if event["event_type"] != "completed" or not event["task_data"].get("recurrence"):
        return
    try:
        # Idempotent on (series, due date): a redelivered event finds the task it made before.
        nxt = await ctx.tasks.create_next_occurrence(event["user_id"], event["task_id"])
    except TaskNotFound:
        log.info("recurring task gone before its next occurrence", task_id=event["task_id"])
        return
    if nxt is not None:
        log.info("next occurrence", task_id=event["task_id"], next_task_id=nxt["id"])
