"""Task use cases. Each one commits the change and its events in a single transaction."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError

from todo import compute
from todo.clock import utcnow
from todo.domain import tasks as rules
from todo.domain.errors import InvalidTask, StaleVersion, TaskNotFound
from todo.domain.events import EventType, task_changed
from todo.domain.queries import TaskQuery
from todo.domain.recurrence import next_occurrence, recurs
from todo.domain.tasks import Task
from todo.observability import metrics
from todo.storage.uow import UnitOfWork

T = TypeVar("T")


async def _load(uow: UnitOfWork, user_id: int, task_id: int, if_match: int | None) -> Task:
    task = await uow.tasks.get(user_id, task_id)
    if task is None:
        raise TaskNotFound(f"task {task_id} does not exist")
    if if_match is not None and if_match != task.version:
        raise StaleVersion(
            f"task {task_id} is at version {task.version}, not {if_match}; fetch it and retry"
        )
    return task


async def _record(
    uow: UnitOfWork, task: Task, event: EventType, now: datetime, traceparent: str | None
) -> None:
    await uow.outbox.add(task_changed(task, event, now), now, traceparent)


async def _work_out(too_long: str, fn: Callable[..., T], *args: Any) -> T:
    """`fn(*args)` where its time is bounded (todo.compute); InvalidTask(too_long) past it."""
    try:
        return await compute.run(fn, *args)
    except compute.ComputationTooLong:
        raise InvalidTask("recurrence", too_long) from None


def _series(task: Task) -> tuple[str | None, datetime | None, str]:
    """What decides whether a task's rule occurs."""
    return task.recurrence, task.due_at, task.time_zone


async def _ensure_recurs(task: Task) -> None:
    """Refuse a rule that never occurs after the task's due date (or takes too long to tell)."""
    if task.recurrence is None or task.due_at is None:
        return
    too_long = "recurrence takes too long to work out; use a simpler rule"
    if not await _work_out(too_long, recurs, task.recurrence, task.due_at, task.time_zone):
        raise InvalidTask(
            "recurrence",
            "recurrence never occurs after the task's due date; "
            "check its BYMONTH, BYMONTHDAY, BYYEARDAY, BYWEEKNO, BYSETPOS and UNTIL parts",
        )


_SERIES_FIELDS = frozenset({"recurrence", "due_at", "time_zone"})


async def create_task(
    uow: UnitOfWork, user_id: int, values: dict[str, Any], traceparent: str | None = None
) -> Task:
    now = utcnow()
    task = rules.new_task(user_id, values, now)
    await _ensure_recurs(task)
    if task.recurrence is not None:
        task.series_id = str(uuid.uuid4())
    async with uow:
        await uow.tasks.add(task)
        await _record(uow, task, EventType.created, now, traceparent)
        await uow.commit()
    metrics.TASKS_CREATED.inc()
    return task


async def get_task(uow: UnitOfWork, user_id: int, task_id: int) -> Task:
    async with uow:
        return await _load(uow, user_id, task_id, None)


async def list_tasks(uow: UnitOfWork, user_id: int, query: TaskQuery) -> tuple[list[Task], int]:
    async with uow:
        return await uow.tasks.search(user_id, query, utcnow())


async def tag_counts(uow: UnitOfWork, user_id: int) -> list[tuple[str, int]]:
    async with uow:
        return await uow.tasks.tag_counts(user_id)


async def update_task(
    uow: UnitOfWork,
    user_id: int,
    task_id: int,
    changes: dict[str, Any],
    if_match: int | None = None,
    traceparent: str | None = None,
) -> Task:
    now = utcnow()
    checked = None
    if _SERIES_FIELDS & changes.keys():
        # Worked out before the transaction: a slow rule then holds a worker process, never a
        # pooled connection (many at once would starve every other request of connections).
        async with uow:
            current = await _load(uow, user_id, task_id, if_match)
        candidate = rules.update(current, changes, now)
        if candidate is not None:
            await _ensure_recurs(candidate)
            checked = _series(candidate)
    async with uow:
        task = await _load(uow, user_id, task_id, if_match)
        if changes.get("recurrence") and task.series_id is None:
            task.series_id = str(uuid.uuid4())
        changed = rules.update(task, changes, now)
        if changed is None:
            return task
        if _SERIES_FIELDS & changes.keys() and _series(changed) != checked:
            await _ensure_recurs(changed)  # another edit landed in between: rare
        await uow.tasks.save(changed, task.version)
        await _record(uow, changed, EventType.updated, now, traceparent)
        await uow.commit()
    return changed


async def set_completed(
    uow: UnitOfWork,
    user_id: int,
    task_id: int,
    if_match: int | None,
    traceparent: str | None,
    *,
    done: bool,
) -> Task:
    """Complete (`done`) or reopen the task; a task already in that state is left as it is."""
    now = utcnow()
    async with uow:
        task = await _load(uow, user_id, task_id, if_match)
        changed = rules.complete(task, now) if done else rules.reopen(task, now)
        if changed is None:
            return task
        await uow.tasks.save(changed, task.version)
        event = EventType.completed if done else EventType.updated
        await _record(uow, changed, event, now, traceparent)
        await uow.commit()
    if done:
        metrics.TASKS_COMPLETED.inc()
    return changed


async def delete_task(
    uow: UnitOfWork,
    user_id: int,
    task_id: int,
    if_match: int | None = None,
    traceparent: str | None = None,
) -> None:
    now = utcnow()
    async with uow:
        task = await _load(uow, user_id, task_id, if_match)
        await uow.tasks.remove(task)
        deleted = replace(task, version=task.version + 1, updated_at=now)
        await _record(uow, deleted, EventType.deleted, now, traceparent)
        await uow.commit()
    metrics.TASKS_DELETED.inc()


async def create_next_occurrence(
    uow: UnitOfWork, user_id: int, task_id: int, traceparent: str | None = None
) -> Task | None:
    """Create the task after `task_id` in its series, once: a repeat call returns the same one.

    Idempotent on (series_id, due_at), so a duplicated `completed` event cannot make two.
    """
    now = utcnow()
    async with uow:
        task = await _load(uow, user_id, task_id, None)
        if task.recurrence is None or task.due_at is None or task.series_id is None:
            return None
        # Bounded: a rule stored before input validation tightened could walk for ever.
        too_long = (
            f"the next occurrence of task {task_id} ({task.recurrence}) took too long to work "
            "out; the series stops here"
        )
        occurrence = await _work_out(
            too_long, next_occurrence, task.recurrence, task.due_at, now, task.time_zone
        )
        if occurrence is None:
            return None
        existing = await uow.tasks.find_in_series(task.series_id, occurrence.due_at)
        if existing is not None:
            return existing
        nxt = rules.next_in_series(task, occurrence, now)
        try:
            await uow.tasks.add(nxt)
            await _record(uow, nxt, EventType.created, now, traceparent)
            await uow.commit()
        except IntegrityError:
            # A concurrent call created it first; the unique (series_id, due_at) index said so.
            await uow.session.rollback()
            return await uow.tasks.find_in_series(task.series_id, occurrence.due_at)
    metrics.TASKS_CREATED.inc()
    return nxt
