"""The one place that says which consumer handles which topic."""

from __future__ import annotations

from todo.domain.events import TASK_EVENTS
from todo.messaging.ports import Subscription
from todo.services import audit, recurrence

SUBSCRIPTIONS: dict[str, list[Subscription]] = {
    "audit": [Subscription("audit", TASK_EVENTS, audit.record_task_event)],
    "recurrence": [Subscription("recurrence", TASK_EVENTS, recurrence.roll_over)],
}

ROLES = tuple(SUBSCRIPTIONS)


def for_roles(roles: tuple[str, ...] = ROLES) -> list[Subscription]:
    unknown = set(roles) - set(SUBSCRIPTIONS)
    if unknown:
        raise ValueError(
            f"unknown role(s): {', '.join(sorted(unknown))}; known: {', '.join(ROLES)}"
        )
    return [sub for role in roles for sub in SUBSCRIPTIONS[role]]
