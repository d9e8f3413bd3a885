from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from tests.support.events import assert_valid, validator
from todo.domain import events
from todo.domain.events import EventType
from todo.domain.tasks import new_task

NOW = datetime(2030, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize("event_type", list(EventType))
def test_task_change_builds_both_topics_with_the_task_id_as_key(event_type: EventType) -> None:
    task = replace(
        new_task(7, {"title": "x", "due_at": NOW, "recurrence": "FREQ=DAILY"}, NOW), id=42
    )
    messages = events.task_changed(task, event_type, NOW)
    assert [m.topic for m in messages] == ["task-events", "task-updates"]
    assert {m.key for m in messages} == {"42"}
    body, update = messages[0].payload, messages[1].payload
    assert body["event_type"] == event_type.value and body["task_data"]["id"] == 42
    assert update["action"] == (
        "updated" if event_type is EventType.completed else event_type.value
    )
    assert body["event_id"] != update["event_id"]
    for m in messages:
        assert_valid(m.topic, m.payload)


def test_reminder_event_matches_its_schema() -> None:
    message = events.reminder_due(1, 2, "call", NOW, NOW)
    assert message.topic == "reminders" and message.key == "1"
    assert_valid("reminders", message.payload)


def test_schemas_reject_what_they_should() -> None:
    bad = {
        "event_id": "nope",
        "user_id": 1,
        "task_id": 1,
        "action": "completed",
        "timestamp": "yesterday",
    }
    errors = list(validator("task-updates").iter_errors(bad))
    assert {e.path[0] for e in errors} == {"event_id", "action", "timestamp"}
