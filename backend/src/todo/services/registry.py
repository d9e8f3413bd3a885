"""The one place that says which consumer handles which topic."""

from __future__ import annotations

from todo.domain.events import REMINDERS, TASK_EVENTS, TASK_UPDATES
from todo.messaging.ports import Subscription
from todo.services import audit, notifier, realtime, recurrence, reminders

SUBSCRIPTIONS: dict[str, list[Subscription]] = {
    "audit": [Subscription("audit", TASK_EVENTS, audit.record_task_event)],
    "recurrence": [Subscription("recurrence", TASK_EVENTS, recurrence.roll_over)],
    "reminders": [Subscription("reminders", TASK_EVENTS, reminders.track)],
    "notifier": [Subscription("notifier", REMINDERS, notifier.on_reminder)],
    "realtime": [Subscription("realtime", TASK_UPDATES, realtime.on_task_update)],
}

ROLES = tuple(SUBSCRIPTIONS)


def for_roles(roles: tuple[str, ...] = ROLES) -> list[Subscription]:
    unknown = set(roles) - set(SUBSCRIPTIONS)
    if unknown:
        known = ", ".join(ROLES)
        raise ValueError(f"unknown role(s): {', '.join(sorted(unknown))}; known: {known}")
    return [sub for role in roles for sub in SUBSCRIPTIONS[role]]
