"""Prometheus metrics shared by every role. Names are the contract with dashboards and alerts."""

from __future__ import annotations

from collections.abc import Iterable
from importlib import metadata

from prometheus_client import Counter, Gauge, Histogram

from todo.domain.events import REMINDERS, TASK_EVENTS, TASK_UPDATES
from todo.messaging.ports import Subscription

BUILD_INFO = Gauge(
    "todo_build_info", "Always 1: the role and version this process runs", ["role", "version"]
)

HTTP_REQUESTS = Counter(
    "todo_http_requests_total", "HTTP requests handled", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "todo_http_request_duration_seconds",
    "HTTP request duration",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.5, 5.0),
)
TASKS_CREATED = Counter("todo_tasks_created_total", "Tasks created")
TASKS_COMPLETED = Counter("todo_tasks_completed_total", "Tasks completed")
TASKS_DELETED = Counter("todo_tasks_deleted_total", "Tasks deleted")

OUTBOX_PUBLISHED = Counter("todo_outbox_published_total", "Outbox rows published", ["topic"])
OUTBOX_FAILURES = Counter("todo_outbox_publish_failures_total", "Failed publish attempts")
OUTBOX_PENDING = Gauge("todo_outbox_pending", "Outbox rows not yet published")
OUTBOX_OLDEST_AGE = Gauge(
    "todo_outbox_oldest_age_seconds", "Age of the oldest unpublished outbox row"
)
RELAY_PUBLISH_LATENCY = Histogram(
    "todo_relay_publish_duration_seconds", "Time to publish one relay batch"
)

EVENTS_HANDLED = Counter(
    "todo_events_handled_total", "Events handled by a consumer", ["consumer", "topic", "outcome"]
)
EVENTS_RETRIED = Counter(
    "todo_events_retried_total",
    "Deliveries that failed and were handed back for another attempt",
    ["consumer", "topic"],
)
EVENT_HANDLING_LATENCY = Histogram(
    "todo_event_handling_duration_seconds", "Event handling duration", ["consumer", "topic"]
)
EVENT_AGE = Histogram(
    "todo_event_age_seconds",
    "Event age when a consumer starts handling it (now minus the event's timestamp)",
    ["consumer", "topic"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300),
)
EVENTS_DEAD_LETTERED = Counter(
    "todo_events_dead_lettered_total", "Events given up on", ["consumer", "topic"]
)

REMINDERS_SCHEDULED = Counter("todo_reminders_scheduled_total", "Reminder timers set")
REMINDERS_FIRED = Counter(
    "todo_reminders_fired_total",
    "Reminders published, by what fired them: the task's Dapr job, or the sweep (a lost job)",
    ["via"],
)
REMINDER_LATENESS = Histogram(
    "todo_reminder_lateness_seconds",
    "How long after remind_at the reminder was published",
    buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300),
)
NOTIFICATIONS_SENT = Counter(
    "todo_notifications_sent_total", "Notifications delivered", ["channel"]
)
WS_CONNECTIONS = Gauge("todo_ws_connections", "Open WebSocket connections")
WS_MESSAGES = Counter("todo_ws_messages_sent_total", "Messages sent over WebSockets")


def declare(role: str, subscriptions: Iterable[Subscription], *, relay: bool) -> None:
    """Create, at zero, every labelled series this process can report.

    A series that appears with its first event hides that event from rate() and increase()
    (they need two samples), so the first dead letter or the first sweep-fired reminder would
    go unseen by the alerts. Declared up front, every series starts at 0 instead.
    """
    BUILD_INFO.labels(role, metadata.version("todo")).set(1)
    consumers = {sub.consumer for sub in subscriptions}
    for sub in subscriptions:
        for outcome in ("success", "failed"):
            EVENTS_HANDLED.labels(sub.consumer, sub.topic, outcome)
        for family in (EVENTS_RETRIED, EVENTS_DEAD_LETTERED, EVENT_HANDLING_LATENCY, EVENT_AGE):
            family.labels(sub.consumer, sub.topic)
    if relay:
        for topic in (TASK_EVENTS, TASK_UPDATES, REMINDERS):
            OUTBOX_PUBLISHED.labels(topic)
    if "reminders" in consumers:
        for via in ("job", "sweep"):
            REMINDERS_FIRED.labels(via)
    if "notifier" in consumers:
        for channel in ("email", "push"):
            NOTIFICATIONS_SENT.labels(channel)
