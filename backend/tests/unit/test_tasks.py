from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from todo.domain import tasks as rules
from todo.domain.errors import InvalidTask
from todo.domain.recurrence import Occurrence
from todo.domain.tasks import Priority

NOW = datetime(2030, 1, 1, tzinfo=UTC)


def make(**values: object) -> rules.Task:
    values.setdefault("title", "t")
    return rules.new_task(1, values, NOW)


def test_new_task_is_normalized() -> None:
    task = make(title="  hi  ", tags=["B", "a", "b "], recurrence="rrule:freq=daily", due_at=NOW)
    assert task.title == "hi" and task.tags == ["a", "b"]
    assert task.recurrence == "FREQ=DAILY" and task.version == 1 and not task.completed


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "a\x07"}, "title"),
        ({"description": "d" * 10_001}, "description"),
        ({"tags": [""]}, "tags"),
        ({"tags": ["x" * 51]}, "tags"),
        ({"tags": [str(i) for i in range(21)]}, "tags"),
        ({"recurrence": "FREQ=DAILY"}, "recurrence"),
        ({"due_at": NOW, "remind_at": NOW + timedelta(seconds=1)}, "remind_at"),
        ({"owner": 2}, "owner"),
    ],
)
def test_rules(values: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidTask) as info:
        make(**values)
    assert info.value.field == field


def test_description_may_have_newlines_and_tabs() -> None:
    assert make(description="a\n\tb\r\n").description == "a\n\tb\r\n"


def test_update_bumps_version_only_when_something_changes() -> None:
    task = replace(make(title="a"), id=1)
    assert rules.update(task, {"title": "a"}, NOW) is None
    changed = rules.update(task, {"title": "b"}, NOW + timedelta(seconds=1))
    assert changed is not None and changed.version == 2 and changed.updated_at > task.updated_at


def test_complete_and_reopen_are_idempotent() -> None:
    task = make()
    done = rules.complete(task, NOW)
    assert done is not None and done.completed and done.completed_at == NOW
    assert rules.complete(done, NOW) is None
    opened = rules.reopen(done, NOW)
    assert opened is not None and not opened.completed and opened.completed_at is None
    assert opened.version == 3
    assert rules.reopen(opened, NOW) is None


def test_next_in_series_keeps_the_reminder_lead() -> None:
    task = make(
        due_at=NOW,
        remind_at=NOW - timedelta(hours=2),
        recurrence="FREQ=DAILY",
        priority=Priority.high,
        tags=["x"],
    )
    task.series_id = "s"
    nxt = rules.next_in_series(task, Occurrence(NOW + timedelta(days=1), "FREQ=DAILY"), NOW)
    assert nxt.remind_at == NOW + timedelta(days=1, hours=-2)
    assert (nxt.series_id, nxt.priority, nxt.tags, nxt.version) == ("s", Priority.high, ["x"], 1)


def test_overdue() -> None:
    assert rules.is_overdue(make(due_at=NOW), NOW + timedelta(seconds=1))
    assert not rules.is_overdue(make(due_at=NOW), NOW)
    assert not rules.is_overdue(make(), NOW)


def test_priority_ranks() -> None:
    assert [p.rank for p in Priority] == [0, 1, 2, 3]
    assert all(Priority.from_rank(p.rank) is p for p in Priority)


@given(st.lists(st.text(min_size=1, max_size=10).filter(str.strip), max_size=20))
def test_tags_are_sorted_unique_and_lowercase(tags: list[str]) -> None:
    try:
        result = rules.normalize_tags(tags)
    except InvalidTask:
        return
    assert result == sorted(set(result))
    assert all(t == t.strip().lower() for t in result)
