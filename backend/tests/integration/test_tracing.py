"""One trace from a request to the reminder it schedules (embedded mode, in-memory exporter).

The request's span context travels in the outbox row to the relay, into each consumer's span,
through the reminder timer's data, and on to the notifier. The stack carries the same
traceparent through Dapr (CloudEvent traceparent, job data).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from asgi_lifespan import LifespanManager
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tests.conftest import new_database
from tests.support.api import settings_for, signup
from todo.api.app import create_app
from todo.observability import tracing

EXPORTER = InMemorySpanExporter()


@pytest.fixture
async def client(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[httpx.AsyncClient]:
    settings = settings_for(
        await new_database("sqlite", request, tmp_path_factory.mktemp("trace")),
        reminder_sweep_seconds=3600,
    )
    provider = trace.get_tracer_provider()
    if isinstance(provider, TracerProvider):  # another test set it up: listen in as well
        provider.add_span_processor(SimpleSpanProcessor(EXPORTER))
    else:
        tracing.configure(settings, "api", exporter=EXPORTER)
    app = create_app(settings)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            yield c


def _spans() -> list[ReadableSpan]:
    provider = trace.get_tracer_provider()
    assert isinstance(provider, TracerProvider)
    provider.force_flush()
    return list(EXPORTER.get_finished_spans())


async def test_a_create_with_a_reminder_is_one_trace_down_to_the_notifier(
    client: httpx.AsyncClient,
) -> None:
    user = await signup(client)
    remind_at = datetime.now(UTC) + timedelta(seconds=1.5)
    task = await user.create(title="traced", remind_at=remind_at.isoformat())
    request = next(
        s
        for s in _spans()
        if s.kind is trace.SpanKind.SERVER
        and s.attributes
        and s.attributes.get("http.route") == "/api/tasks"
        and s.attributes.get("http.request.method", s.attributes.get("http.method")) == "POST"
    )
    trace_id = request.context.trace_id
    wanted = {
        "audit handle task-events",
        "reminders handle task-events",
        "recurrence handle task-events",
        "realtime handle task-updates",
        "reminder due",
        "notifier handle reminders",
    }
    deadline = asyncio.get_running_loop().time() + 8
    while True:
        names = {s.name for s in _spans() if s.context.trace_id == trace_id}
        if wanted <= names or asyncio.get_running_loop().time() > deadline:
            break
        await asyncio.sleep(0.1)
    assert wanted <= names, sorted(names)
    by_name = {s.name: s for s in _spans() if s.context.trace_id == trace_id}
    # Parent chain: the notifier's span descends from the timer's, which descends from the
    # reminders consumer's, which descends from the request.
    due = by_name["reminder due"]
    assert (
        due.parent is not None
        and due.parent.span_id == by_name["reminders handle task-events"].context.span_id
    )
    assert by_name["reminders handle task-events"].parent is not None
    assert by_name["reminders handle task-events"].parent.span_id == request.context.span_id
    assert any(
        s.name.startswith(("SELECT", "INSERT", "connect")) or "sqlite" in s.name.lower()
        for s in _spans()
        if s.context.trace_id == trace_id
    ), "no database spans"
    assert task["id"]
