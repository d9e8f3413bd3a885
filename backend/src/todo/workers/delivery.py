"""What a worker answers daprd for a delivered CloudEvent, one at a time or in bulk.

Dapr delivers a subscription's events either one per request (the CloudEvent is the body) or,
with `bulkSubscribe` on the Subscription, up to maxMessagesCount per request:
`{"entries": [{"entryId", "event": <CloudEvent>, ...}], "topic", ...}`, answered with one status
per entry. Each entry is handled on its own, in order: a failing entry is RETRY (Dapr's
resiliency policy retries only the failed entries, for minutes, then dead-letters them), or
DROP when the event itself is at fault (messaging.ports.is_permanent: Dapr dead-letters it at
once), and the others still succeed. That is safe because every handler is idempotent and
tolerates an older event arriving after a newer one (versions, event ids, series keys).
"""

from __future__ import annotations

import json
import time
from typing import Any

from todo.messaging import consume
from todo.messaging.ports import Subscription, is_permanent
from todo.observability import metrics
from todo.observability.logging import get_logger
from todo.services.context import Context

log = get_logger(__name__)

SUCCESS, RETRY, DROP = "SUCCESS", "RETRY", "DROP"
# Below the Resiliency policy's `general` timeout (15 s, dapr/local/resiliency.yaml and the
# chart), which bounds one bulk request as a whole.
BULK_BUDGET_SECONDS = 10.0


def is_bulk(body: Any) -> bool:
    return isinstance(body, dict) and isinstance(body.get("entries"), list)


async def deliver(
    subs: list[Subscription], cloud_event: Any, ctx: Context, traceparent: str | None = None
) -> str:
    """Hand one CloudEvent's data to every subscription of its topic; Dapr's status for it."""
    topic = subs[0].topic
    try:
        event = cloud_event.get("data", cloud_event) if isinstance(cloud_event, dict) else None
        if not isinstance(event, dict):
            raise ValueError("the event is not a JSON object")
        for sub in subs:
            await consume.handle(sub, event, ctx, traceparent)
    except Exception as exc:
        reason = f"{type(exc).__name__}: {exc}"[:300]
        if is_permanent(exc):
            # DROP: Dapr forwards the event to the subscription's dead-letter topic at once,
            # instead of retrying for minutes what can never succeed.
            log.error("event dead-lettered", topic=topic, reason=reason)
            for sub in subs:
                metrics.EVENTS_DEAD_LETTERED.labels(sub.consumer, topic).inc()
            return DROP
        log.warning("event will be retried", topic=topic, error=reason)
        for sub in subs:
            metrics.EVENTS_RETRIED.labels(sub.consumer, topic).inc()
        return RETRY
    return SUCCESS


def _entry_id(entry: Any) -> str:
    return str(entry.get("entryId", "")) if isinstance(entry, dict) else ""


def statuses(body: dict[str, Any], status: str) -> dict[str, list[dict[str, str]]]:
    """The same status for every entry of a bulk delivery."""
    return {"statuses": [{"entryId": _entry_id(e), "status": status} for e in body["entries"]]}


async def deliver_bulk(
    subs: list[Subscription],
    body: dict[str, Any],
    ctx: Context,
    budget_seconds: float = BULK_BUDGET_SECONDS,
) -> dict[str, list[dict[str, str]]]:
    """Every entry of a bulk delivery, in order; one status per entry id.

    Entries not started within `budget_seconds` are answered RETRY unhandled: Dapr's timeout
    covers the whole request, and a request cut off by it would have every entry, the handled
    ones too, delivered again while this one still runs.
    """
    answer = []
    deadline = time.monotonic() + budget_seconds
    for entry in body["entries"]:
        entry_id = _entry_id(entry)
        if time.monotonic() > deadline:
            answer.append({"entryId": entry_id, "status": RETRY})
            continue
        cloud_event = entry.get("event") if isinstance(entry, dict) else None
        if isinstance(cloud_event, str | bytes):
            try:
                cloud_event = json.loads(cloud_event)
            except ValueError:
                cloud_event = None
        # Each entry continues its own publisher's trace (the request carries only one).
        parent = cloud_event.get("traceparent") if isinstance(cloud_event, dict) else None
        status = await deliver(subs, cloud_event, ctx, parent if isinstance(parent, str) else None)
        answer.append({"entryId": entry_id, "status": status})
    return {"statuses": answer}
