"""Tasks and the rules every change to one obeys."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from todo.domain.errors import InvalidTask
from todo.domain.recurrence import Occurrence, normalize_rule, validate_time_zone

TITLE_MAX = 200
DESCRIPTION_MAX = 10_000
TAGS_MAX = 20
TAG_MAX = 50


class Priority(StrEnum):
    none = "none"
    low = "low"
    medium = "medium"
    high = "high"

    @property
    def rank(self) -> int:
        """Sort order: none < low < medium < high."""
        return _PRIORITY_RANK[self]

    @classmethod
    def from_rank(cls, rank: int) -> Priority:
        return _RANK_PRIORITY[rank]


_PRIORITY_RANK = {Priority.none: 0, Priority.low: 1, Priority.medium: 2, Priority.high: 3}
_RANK_PRIORITY = {rank: priority for priority, rank in _PRIORITY_RANK.items()}


@dataclass
class Task:
    user_id: int
    title: str
    created_at: datetime
    updated_at: datetime
    description: str = ""
    completed: bool = False
    priority: Priority = Priority.none
    tags: list[str] = field(default_factory=list)
    due_at: datetime | None = None
    remind_at: datetime | None = None
    recurrence: str | None = None
    completed_at: datetime | None = None
    version: int = 1
    id: int | None = None
    # The IANA zone its recurrence is counted in (weekdays, days of month, wall-clock time).
    time_zone: str = "UTC"
    # Tasks of one recurring series share this id; (series_id, due_at) is unique, which makes
    # "create the next occurrence" idempotent.
    series_id: str | None = None


# The fields a user may set; anything else is derived.
EDITABLE = frozenset(
    {"title", "description", "priority", "tags", "due_at", "remind_at", "recurrence", "time_zone"}
)


def _clean_text(value: str, name: str, *, multiline: bool) -> str:
    allowed = {"\n", "\t", "\r"} if multiline else {"\t"}
    for ch in value:
        if ch not in allowed and unicodedata.category(ch) == "Cc":
            raise InvalidTask(name, f"{name} must not contain control characters")
    return value


def normalize_tags(tags: list[str]) -> list[str]:
    """Tags are trimmed, lower-cased, de-duplicated and sorted (the order they are shown in)."""
    result: list[str] = []
    for raw in tags:
        tag = _clean_text(raw, "tags", multiline=False).strip().lower()
        if not tag:
            raise InvalidTask("tags", "a tag must not be empty")
        if len(tag) > TAG_MAX:
            raise InvalidTask("tags", f"a tag is at most {TAG_MAX} characters")
        if tag not in result:
            result.append(tag)
    if len(result) > TAGS_MAX:
        raise InvalidTask("tags", f"a task has at most {TAGS_MAX} tags")
    return sorted(result)


def _validated(task: Task) -> Task:
    title = _clean_text(task.title, "title", multiline=False).strip()
    if not 1 <= len(title) <= TITLE_MAX:
        raise InvalidTask("title", f"title must be 1 to {TITLE_MAX} characters")
    description = _clean_text(task.description, "description", multiline=True)
    if len(description) > DESCRIPTION_MAX:
        raise InvalidTask("description", f"description is at most {DESCRIPTION_MAX} characters")
    if task.remind_at and task.due_at and task.remind_at > task.due_at:
        raise InvalidTask("remind_at", "remind_at must not be later than due_at")
    recurrence = task.recurrence
    if recurrence is not None:
        recurrence = normalize_rule(recurrence)
        if task.due_at is None:
            raise InvalidTask("recurrence", "a recurring task needs a due_at to count from")
    return replace(
        task,
        title=title,
        description=description,
        tags=normalize_tags(task.tags),
        recurrence=recurrence,
        time_zone=validate_time_zone(task.time_zone),
    )


def new_task(user_id: int, values: dict[str, Any], now: datetime) -> Task:
    unknown = set(values) - EDITABLE
    if unknown:
        raise InvalidTask(sorted(unknown)[0], f"unknown field {sorted(unknown)[0]}")
    return _validated(Task(user_id=user_id, created_at=now, updated_at=now, **values))


def update(task: Task, changes: dict[str, Any], now: datetime) -> Task | None:
    """The task with `changes` applied, or None when they change nothing."""
    unknown = set(changes) - EDITABLE
    if unknown:
        raise InvalidTask(sorted(unknown)[0], f"unknown field {sorted(unknown)[0]}")
    candidate = _validated(replace(task, **changes))
    if _same(candidate, task):
        return None
    return _bump(candidate, now)


def complete(task: Task, now: datetime) -> Task | None:
    if task.completed:
        return None
    return _bump(replace(task, completed=True, completed_at=now), now)


def reopen(task: Task, now: datetime) -> Task | None:
    if not task.completed:
        return None
    return _bump(replace(task, completed=False, completed_at=None), now)


def next_in_series(task: Task, occurrence: Occurrence, now: datetime) -> Task:
    """The next task of a recurring series; its reminder keeps the same lead time."""
    assert task.due_at is not None
    remind_at = None
    if task.remind_at is not None:
        remind_at = occurrence.due_at - (task.due_at - task.remind_at)
    return Task(
        user_id=task.user_id,
        title=task.title,
        description=task.description,
        priority=task.priority,
        tags=list(task.tags),
        due_at=occurrence.due_at,
        remind_at=remind_at,
        recurrence=occurrence.rule,
        time_zone=task.time_zone,
        series_id=task.series_id,
        created_at=now,
        updated_at=now,
    )


def _same(a: Task, b: Task) -> bool:
    return all(getattr(a, f.name) == getattr(b, f.name) for f in fields(Task))


def _bump(task: Task, now: datetime) -> Task:
    return replace(task, updated_at=now, version=task.version + 1)


def is_overdue(task: Task, now: datetime) -> bool:
    return not task.completed and task.due_at is not None and task.due_at < now
