"""Talking to this process's Dapr sidecar over its HTTP API.

httpx rather than the Dapr SDK: the SDK's async client covers publish and invoke, but not bulk
publish, the Jobs API or first-write state saves in one async API, and its HTTP parts are
synchronous. One pooled async client for all of them keeps every call non-blocking; ADR 0002.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import httpx
from opentelemetry.trace import SpanKind

from todo.observability import tracing
from todo.settings import Settings
from todo.storage.outbox import PendingMessage


class DaprError(Exception):
    def __init__(self, what: str, response: httpx.Response | None = None) -> None:
        detail = f" ({response.status_code}: {response.text[:300]})" if response is not None else ""
        super().__init__(f"{what}{detail}")
        self.response = response


class Sidecar:
    """The calls this project makes to daprd."""

    def __init__(self, settings: Settings, client: httpx.AsyncClient | None = None) -> None:
        headers = {"dapr-api-token": settings.dapr_api_token} if settings.dapr_api_token else {}
        self.settings = settings
        self.http = client or httpx.AsyncClient(
            base_url=f"http://{settings.dapr_host}:{settings.dapr_http_port}",
            headers=headers,
            timeout=httpx.Timeout(10.0, connect=2.0),
        )

    async def close(self) -> None:
        await self.http.aclose()

    async def healthy(self) -> bool:
        try:
            return (await self.http.get("/v1.0/healthz/outbound")).status_code == 204
        except httpx.TransportError:
            return False

    # --- pub/sub --------------------------------------------------------------------------------
    async def publish(
        self, topic: str, data: dict[str, Any], key: str | None = None, pubsub: str | None = None
    ) -> None:
        params = {"metadata.partitionKey": key} if key else None
        response = await self.http.post(
            f"/v1.0/publish/{pubsub or self.settings.pubsub_name}/{topic}", json=data, params=params
        )
        if response.status_code != 204:
            raise DaprError(f"publish to {topic} failed", response)

    async def bulk_publish(
        self, topic: str, entries: Sequence[tuple[str, str, dict[str, Any], str | None]]
    ) -> set[str]:
        """Publish (entry_id, key, data, traceparent) entries in order; return the ids Dapr
        accepted. Each entry's traceparent becomes its CloudEvent's, continuing its trace."""
        body = [
            {
                "entryId": entry_id,
                "event": data,
                "contentType": "application/json",
                "metadata": {"partitionKey": key}
                | ({"cloudevent.traceparent": parent} if parent else {}),
            }
            for entry_id, key, data, parent in entries
        ]
        response = await self.http.post(
            f"/v1.0-alpha1/publish/bulk/{self.settings.pubsub_name}/{topic}", json=body
        )
        ids = {entry[0] for entry in entries}
        if response.status_code == 204:
            return ids
        try:
            failed = {e["entryId"] for e in response.json().get("failedEntries", [])}
        except (ValueError, AttributeError, KeyError, TypeError):
            failed = ids
        return ids - failed if failed else set()

    # --- service invocation ---------------------------------------------------------------------
    async def invoke(
        self, app_id: str, method: str, http_method: str = "GET", **kwargs: Any
    ) -> httpx.Response:
        return await self.http.request(
            http_method, f"/v1.0/invoke/{app_id}/method/{method.lstrip('/')}", **kwargs
        )

    # --- state ----------------------------------------------------------------------------------
    async def claim(self, key: str, value: Any) -> bool:
        """Save `key` only if it does not exist yet (first-write-wins); True if this call won."""
        response = await self.http.post(
            f"/v1.0/state/{self.settings.statestore_name}",
            json=[{"key": key, "value": value, "options": {"concurrency": "first-write"}}],
        )
        if response.status_code == 204:
            return True
        if response.status_code == 409:
            return False
        raise DaprError(f"state save of {key} failed", response)

    async def release(self, key: str) -> None:
        response = await self.http.delete(f"/v1.0/state/{self.settings.statestore_name}/{key}")
        if response.status_code not in (200, 204):
            raise DaprError(f"state delete of {key} failed", response)

    # --- jobs -----------------------------------------------------------------------------------
    async def schedule_job(self, name: str, due: datetime, data: dict[str, Any]) -> None:
        response = await self.http.post(
            f"/v1.0/jobs/{name}",
            json={"dueTime": due.isoformat(), "data": data, "overwrite": True},
        )
        if response.status_code != 204:
            raise DaprError(f"scheduling job {name} failed", response)

    async def delete_job(self, name: str) -> None:
        response = await self.http.delete(f"/v1.0/jobs/{name}")
        # A job that already fired or never existed is gone either way; daprd says 500 for it.
        if response.status_code not in (204, 404, 500):
            raise DaprError(f"deleting job {name} failed", response)


class DaprPublisher:
    """The relay's transport in the stack: bulk publish per topic, task id as partition key.

    Each topic's messages keep their order; within a topic only the prefix before the first
    failure counts as accepted, so a task's later event is never out before an earlier one.
    """

    def __init__(self, sidecar: Sidecar) -> None:
        self.sidecar = sidecar

    async def publish_batch(self, messages: Sequence[PendingMessage]) -> set[int]:
        by_topic: dict[str, list[PendingMessage]] = defaultdict(list)
        for message in messages:
            by_topic[message.topic].append(message)
        accepted: set[int] = set()
        for topic, group in by_topic.items():
            with contextlib.ExitStack() as spans:
                # One producer span per message, child of the request that wrote it.
                parents = [_publish_span(spans, topic, m) if m.traceparent else None for m in group]
                ok = await self.sidecar.bulk_publish(
                    topic,
                    [(str(m.id), m.key, m.payload, p) for m, p in zip(group, parents, strict=True)],
                )
            for message in group:
                if str(message.id) not in ok:
                    break
                accepted.add(message.id)
        return accepted


def _publish_span(spans: contextlib.ExitStack, topic: str, message: PendingMessage) -> str | None:
    """Open a producer span continuing the message's trace (closed with the stack, in LIFO
    order, after the bulk call); return its traceparent for the CloudEvent."""
    spans.enter_context(
        tracing.span(f"relay publish {topic}", message.traceparent, SpanKind.PRODUCER)
    )
    return tracing.current_traceparent()
