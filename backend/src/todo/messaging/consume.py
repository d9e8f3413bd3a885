"""Running one handler on one event, the same way whatever transport delivered it."""

from __future__ import annotations

import contextlib
import time
from datetime import datetime
from typing import Any

from todo.clock import utcnow
from todo.messaging.ports import Subscription
from todo.observability import metrics
from todo.observability.logging import get_logger
from todo.services.context import Context

log = get_logger(__name__)


async def handle(sub: Subscription, event: dict[str, Any], ctx: Context) -> None:
    """Run the handler; record the outcome; re-raise so the transport can retry."""
    started = time.perf_counter()
    _observe_age(sub, event)
    try:
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
