"""Bulk and single deliveries from daprd: one status per entry, in order, failures isolated."""

from __future__ import annotations

import json
from typing import Any

import httpx
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider

from todo.domain.errors import InvalidTask
from todo.messaging.dapr import DaprError
from todo.messaging.ports import Subscription, Unprocessable
from todo.workers import delivery

TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def _subs(seen: list[tuple[Any, str | None]]) -> list[Subscription]:
    async def handler(event: dict[str, Any], _ctx: Any) -> None:
        context = trace.get_current_span().get_span_context()
        seen.append(
            (event.get("n"), format(context.trace_id, "032x") if context.is_valid else None)
        )
        if event.get("fail"):
            raise RuntimeError("handler failed")

    return [Subscription("unit", "task-events", handler)]


def _entry(entry_id: str, data: Any, **cloud_event: Any) -> dict[str, Any]:
    return {"entryId": entry_id, "event": {"data": data, **cloud_event}, "metadata": {}}


async def test_each_entry_gets_its_own_status_in_order() -> None:
    seen: list[tuple[Any, str | None]] = []
    body = {
        "topic": "task-events",
        "entries": [
            _entry("a", {"n": 1}),
            _entry("b", {"n": 2, "fail": True}),
            _entry("c", {"n": 3}),
            {"entryId": "d", "event": json.dumps({"data": {"n": 4}})},  # sent as a string
            _entry("e", "not an object"),
        ],
    }
    answer = await delivery.deliver_bulk(_subs(seen), body, ctx=None)  # type: ignore[arg-type]
    assert answer == {
        "statuses": [
            {"entryId": "a", "status": "SUCCESS"},
            {"entryId": "b", "status": "RETRY"},
            {"entryId": "c", "status": "SUCCESS"},
            {"entryId": "d", "status": "SUCCESS"},
            {"entryId": "e", "status": "DROP"},  # malformed: dead-lettered at once
        ]
    }
    assert [n for n, _ in seen] == [1, 2, 3, 4]


async def test_an_entry_continues_its_own_publishers_trace() -> None:
    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        # Span ids need the SDK; later tests that trace add their processors to this provider.
        trace.set_tracer_provider(TracerProvider())
    seen: list[tuple[Any, str | None]] = []
    body = {"entries": [_entry("a", {"n": 1}, traceparent=TRACEPARENT)]}
    await delivery.deliver_bulk(_subs(seen), body, ctx=None)  # type: ignore[arg-type]
    assert seen == [(1, TRACEPARENT.split("-")[1])]


async def test_single_delivery_and_bulk_detection() -> None:
    seen: list[tuple[Any, str | None]] = []
    subs = _subs(seen)
    assert await delivery.deliver(subs, {"data": {"n": 1}}, ctx=None) == "SUCCESS"  # type: ignore[arg-type]
    assert await delivery.deliver(subs, {"data": {"fail": 1}}, ctx=None) == "RETRY"  # type: ignore[arg-type]
    assert await delivery.deliver(subs, None, ctx=None) == "DROP"  # type: ignore[arg-type]
    assert delivery.is_bulk({"entries": []}) and not delivery.is_bulk({"data": {}})


async def test_entries_past_the_time_budget_are_retried_unhandled() -> None:
    seen: list[tuple[Any, str | None]] = []
    body = {"entries": [_entry("a", {"n": 1}), _entry("b", {"n": 2})]}
    answer = await delivery.deliver_bulk(_subs(seen), body, ctx=None, budget_seconds=-1)  # type: ignore[arg-type]
    assert answer == {
        "statuses": [{"entryId": "a", "status": "RETRY"}, {"entryId": "b", "status": "RETRY"}]
    }
    assert seen == []


def test_one_status_for_every_entry() -> None:
    body = {"entries": [{"entryId": "a"}, {"entryId": "b"}, "junk"]}
    assert delivery.statuses(body, "DROP") == {
        "statuses": [
            {"entryId": "a", "status": "DROP"},
            {"entryId": "b", "status": "DROP"},
            {"entryId": "", "status": "DROP"},
        ]
    }


async def test_an_event_at_fault_is_dropped_to_the_dead_letter_topic_at_once() -> None:
    """DROP (Dapr forwards it to the dead-letter topic) for what retries cannot fix; RETRY,
    for minutes, for a dependency that is away (the api restarting, the database)."""
    failures: list[Exception] = [
        Unprocessable("the api refused it"),
        InvalidTask("recurrence", "cannot be worked out"),
        KeyError("task_id"),
        TypeError("list indices must be integers"),
        DaprError("next occurrence via the api failed", httpx.Response(500)),
        httpx.ConnectError("refused"),
        OSError("connection reset"),
    ]
    statuses = []
    for failure in failures:

        async def handler(_event: dict[str, Any], _ctx: Any, failure: Exception = failure) -> None:
            raise failure

        subs = [Subscription("unit", "task-events", handler)]
        statuses.append(await delivery.deliver(subs, {"data": {"n": 1}}, ctx=None))  # type: ignore[arg-type]
    assert statuses == ["DROP"] * 4 + ["RETRY"] * 3
