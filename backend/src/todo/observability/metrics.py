"""Prometheus metrics shared by every role. Names are the contract with dashboards and alerts."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

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
REMINDERS_FIRED = Counter("todo_reminders_fired_total", "Reminders published")
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
