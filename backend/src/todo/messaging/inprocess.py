"""The embedded transport: the relay hands each event straight to in-process subscribers.

Delivery mirrors a broker with one consumer group per service: every subscription of a topic
gets every event, retried with backoff, and given up (dead-lettered: logged with the reason and
counted) after the last attempt, or at once when the event itself is at fault, so one poison
event does not stop the pipeline.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from todo.messaging import consume
from todo.messaging.ports import Subscription, is_permanent
from todo.observability import metrics
from todo.observability.logging import get_logger
from todo.services.context import Context
from todo.storage.outbox import PendingMessage

log = get_logger(__name__)


class InProcessPublisher:
    def __init__(
        self,
        subscriptions: Sequence[Subscription],
        ctx: Context,
        *,
        attempts: int = 3,
        backoff_seconds: float = 0.05,
    ) -> None:
        self._subscriptions = list(subscriptions)
        self._ctx = ctx
        self._attempts = attempts
        self._backoff = backoff_seconds

    async def publish_batch(self, messages: Sequence[PendingMessage]) -> set[int]:
        for message in messages:
            subs = [s for s in self._subscriptions if s.topic == message.topic]
            # Different services consume independently, as separate consumer groups would.
            await asyncio.gather(*(self._deliver(s, message) for s in subs))
        return {m.id for m in messages}

    async def _deliver(self, sub: Subscription, message: PendingMessage) -> None:
        reason = ""
        for attempt in range(1, self._attempts + 1):
            try:
                await consume.handle(sub, message.payload, self._ctx, message.traceparent)
                return
            except Exception as exc:  # retried, then dead-lettered; at once when pointless
                reason = f"{type(exc).__name__}: {exc}"[:300]
                if is_permanent(exc):
                    break
                if attempt < self._attempts:
                    metrics.EVENTS_RETRIED.labels(sub.consumer, sub.topic).inc()
                    await asyncio.sleep(self._backoff * 2 ** (attempt - 1))
        metrics.EVENTS_DEAD_LETTERED.labels(sub.consumer, sub.topic).inc()
        log.error(
            "event dead-lettered",
            consumer=sub.consumer,
            topic=sub.topic,
            event_id=message.payload.get("event_id"),
            attempts=attempt,
            reason=reason,
        )
