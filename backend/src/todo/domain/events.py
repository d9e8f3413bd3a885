"""The events a task change produces, with the seed's field names (see docs/events/)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from todo.domain.tasks import Task

TASK_EVENTS = "task-events"
TASK_UPDATES = "task-updates"
REMINDERS = "reminders"
TOPICS = (TASK_EVENTS, TASK_UPDATES, REMINDERS)


class EventType(StrEnum):
    created = "created"
    updated = "updated"
    completed = "completed"
    deleted = "deleted"


# What a browser is told: a completion is just an update of the row it shows.
_UPDATE_ACTION = {
    EventType.created: "created",
    EventType.updated: "updated",
    EventType.completed: "updated",
    EventType.deleted: "deleted",
}


@dataclass(frozen=True)
class Message:
    """One event bound for one topic; `key` keeps one task's events in order."""

    topic: str
    key: str
    payload: dict[str, Any]


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def task_data(task: Task) -> dict[str, Any]:
    """The task as the API shows it; also the `task_data` of its events."""
    return {
        "id": task.id,
        "title": task.title,
        "description": task.description,
        "completed": task.completed,
        "priority": task.priority.value,
        "tags": list(task.tags),
        "due_at": _iso(task.due_at),
        "remind_at": _iso(task.remind_at),
        "recurrence": task.recurrence,
        "time_zone": task.time_zone,
        "series_id": task.series_id,
        "created_at": _iso(task.created_at),
        "updated_at": _iso(task.updated_at),
        "completed_at": _iso(task.completed_at),
        "version": task.version,
    }


def task_changed(task: Task, event_type: EventType, now: datetime) -> list[Message]:
    """The task-events and task-updates messages for one change of `task` (already saved)."""
    assert task.id is not None, "events are built after the task has its id"
    key = str(task.id)
    stamp = now.isoformat()
    return [
        Message(
            TASK_EVENTS,
            key,
            {
                "event_id": str(uuid.uuid4()),
                "event_type": event_type.value,
                "task_id": task.id,
                "user_id": task.user_id,
                "timestamp": stamp,
                "version": task.version,
                "task_data": task_data(task),
            },
        ),
        Message(
            TASK_UPDATES,
            key,
            {
                "event_id": str(uuid.uuid4()),
                "user_id": task.user_id,
                "task_id": task.id,
                "action": _UPDATE_ACTION[event_type],
                "timestamp": stamp,
            },
        ),
    ]


def reminder_due(
    task_id: int,
    user_id: int,
    title: str,
    due_at: datetime | None,
    remind_at: datetime,
    reminder_type: str = "email",
) -> Message:
    """The `reminders` message announcing that a task's reminder is due now."""
    return Message(
        REMINDERS,
        str(task_id),
        {
            "event_id": str(uuid.uuid4()),
            "task_id": task_id,
            "user_id": user_id,
            "title": title,
            "due_date": _iso(due_at),
            "remind_at": remind_at.isoformat(),
            "reminder_type": reminder_type,
            "sent": False,
        },
    )
