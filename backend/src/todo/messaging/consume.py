"""Running one handler on one event, the same way whatever transport delivered it."""

from __future__ import annotations

import contextlib
import time
from datetime import datetime
from typing import Any

from opentelemetry.trace import SpanKind

from todo.clock import utcnow
from todo.messaging.ports import Subscription
from todo.observability import metrics, tracing
from todo.observability.logging import get_logger
from todo.services.context import Context

log = get_logger(__name__)


async def handle(
    sub: Subscription, event: dict[str, Any], ctx: Context, traceparent: str | None = None
) -> None:
    """Run the handler; record the outcome; re-raise so the transport can retry.

    `traceparent` continues the publisher's trace when the transport has no context of its own
    (in-process delivery); under Dapr the request's context already is that trace.
    """
    started = time.perf_counter()
    _observe_age(sub, event)
    try:
        with tracing.span(
            f"{sub.consumer} handle {sub.topic}",
            traceparent,
            SpanKind.CONSUMER,
            event_id=str(event.get("event_id")),
        ):
            await sub.handler(event, ctx)
    except Exception:
        metrics.EVENTS_HANDLED.labels(sub.consumer, sub.topic, "failed").inc()
        log.exception(
            "event handling failed",
            consumer=sub.consumer,
            topic=sub.topic,
            event_id=event.get("event_id"),
        )
        raise
    finally:
        metrics.EVENT_HANDLING_LATENCY.labels(sub.consumer, sub.topic).observe(
            time.perf_counter() - started
        )
    metrics.EVENTS_HANDLED.labels(sub.consumer, sub.topic, "success").inc()


def _observe_age(sub: Subscription, event: dict[str, Any]) -> None:
    stamp = event.get("timestamp")
    if not isinstance(stamp, str):
        return
    with contextlib.suppress(ValueError, TypeError):  # a malformed stamp is not our problem here
        age = (utcnow() - datetime.fromisoformat(stamp)).total_seconds()
        metrics.EVENT_AGE.labels(sub.consumer, sub.topic).observe(max(age, 0.0))
