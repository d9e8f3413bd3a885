"""OpenTelemetry traces: one provider per process, W3C traceparent carried end to end.

A request's span context is stored with its outbox rows; the relay's publish span continues it
and hands it to Dapr as the CloudEvent's traceparent; Dapr delivers it to each consumer (the
FastAPI instrumentation continues it), reminder jobs carry it in their data, and in-process
delivery (embedded mode) passes it along directly. Off unless TODO_TRACING says where to send.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI
from opentelemetry import context, propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from todo.settings import Settings

tracer = trace.get_tracer("todo")
_EXCLUDED = "healthz,readyz,metrics"


def enabled() -> bool:
    return isinstance(trace.get_tracer_provider(), TracerProvider)


def configure(settings: Settings, service: str, exporter: SpanExporter | None = None) -> None:
    """Install the process's tracer provider once; later calls (or TODO_TRACING=none) do nothing."""
    if enabled():
        return
    if exporter is None:
        exporter = _exporter(settings)
        if exporter is None:
            return
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    # A queue large enough for a burst (every request makes dozens of statement spans): the
    # default 2048 drops spans under load, and a dropped span breaks its trace in two.
    provider.add_span_processor(
        BatchSpanProcessor(
            exporter, schedule_delay_millis=500, max_queue_size=65536, max_export_batch_size=2048
        )
    )
    trace.set_tracer_provider(provider)
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    HTTPXClientInstrumentor().instrument()


def _exporter(settings: Settings) -> SpanExporter | None:
    if settings.tracing == "zipkin":
        from opentelemetry.exporter.zipkin.json import ZipkinExporter

        return ZipkinExporter(endpoint=settings.zipkin_endpoint)
    if settings.tracing == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter(endpoint=settings.otlp_endpoint)
    return None


def instrument_app(app: FastAPI) -> None:
    if enabled():
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

        FastAPIInstrumentor.instrument_app(app, excluded_urls=_EXCLUDED)


def instrument_engine(engine: AsyncEngine) -> None:
    """A client span per statement, from SQLAlchemy's cursor events.

    opentelemetry-instrumentation-sqlalchemy refuses SQLAlchemy 2.1 (it checks `< 2.1`), so
    these few hooks do its core job until it catches up.
    """
    if not enabled():
        return
    system = engine.dialect.name

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _start(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        verb = statement.lstrip().split(" ", 1)[0].upper()
        conn.info.setdefault("otel_spans", []).append(
            tracer.start_span(
                f"{verb} {system}",
                kind=SpanKind.CLIENT,
                attributes={"db.system.name": system, "db.query.text": statement[:1000]},
            )
        )

    @event.listens_for(engine.sync_engine, "after_cursor_execute")
    def _end(conn: Any, *_: Any) -> None:
        spans = conn.info.get("otel_spans")
        if spans:
            spans.pop().end()

    @event.listens_for(engine.sync_engine, "handle_error")
    def _error(context: Any) -> None:
        spans = context.connection.info.get("otel_spans") if context.connection else None
        if spans:
            current = spans.pop()
            current.record_exception(context.original_exception)
            current.set_status(trace.StatusCode.ERROR)
            current.end()


def current_traceparent() -> str | None:
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent")


@contextmanager
def span(
    name: str, traceparent: str | None = None, kind: SpanKind = SpanKind.INTERNAL, **attrs: Any
) -> Iterator[trace.Span]:
    """A span that continues `traceparent` when given, else the current context."""
    parent = propagate.extract({"traceparent": traceparent}) if traceparent else None
    token = context.attach(parent) if parent is not None else None
    try:
        with tracer.start_as_current_span(name, kind=kind, attributes=attrs or None) as current:
            yield current
    finally:
        if token is not None:
            context.detach(token)
