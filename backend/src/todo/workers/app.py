"""A worker's HTTP app: what its sidecar calls (events, jobs, cron) and what it serves.

Dapr delivers subscribed events to POST /events/<topic> (declarative Subscriptions in
dapr/local/): one CloudEvent per request, or a bulk of them (workers/delivery.py). The answer
tells Dapr what to do: SUCCESS, or RETRY so the Resiliency policy retries and, when retries are
exhausted, the dead-letter topic gets it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, Request, WebSocket
from fastapi.responses import JSONResponse

from todo import bootstrap
from todo.api import errors
from todo.api.internal import audit_router, require_app_token
from todo.api.middleware import RequestContext
from todo.api.routes import health
from todo.auth.keys import ensure_secrets
from todo.observability import tracing
from todo.observability.logging import get_logger
from todo.services import reminders
from todo.services.realtime import serve_socket
from todo.settings import Settings
from todo.workers import delivery

log = get_logger(__name__)


def _status(status: str, code: int = 200) -> JSONResponse:
    return JSONResponse({"status": status}, status_code=code)


# Only daprd calls these: with APP_API_TOKEN set, a call without it is refused (401).
CALLBACK = [Depends(require_app_token)]


def create_worker_app(settings: Settings, role: str) -> FastAPI:
    settings = ensure_secrets(settings)
    tracing.configure(settings, role)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = bootstrap.build(settings, (role,), with_relay=False)
        app.state.runtime = runtime
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(title=f"Todo {role} worker", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.include_router(health.router)
    errors.install(app)
    app.add_middleware(RequestContext)
    tracing.instrument_app(app)

    @app.post("/events/{topic}", include_in_schema=False, dependencies=CALLBACK)
    async def on_event(topic: str, request: Request) -> JSONResponse:
        runtime: bootstrap.Runtime = request.app.state.runtime
        subs = [s for s in runtime.subscriptions if s.topic == topic]
        try:
            body: Any = await request.json()
        except ValueError:
            body = None
        if not subs:  # not ours: never retry what nobody here can handle
            if delivery.is_bulk(body):
                return JSONResponse(delivery.statuses(body, delivery.DROP))
            return _status(delivery.DROP)
        if delivery.is_bulk(body):
            return JSONResponse(await delivery.deliver_bulk(subs, body, runtime.ctx))
        status = await delivery.deliver(subs, body, runtime.ctx)
        return _status(status, 500 if status == delivery.RETRY else 200)

    if role == "reminders":

        @app.post("/job/{name}", include_in_schema=False, dependencies=CALLBACK)
        async def on_job(name: str, request: Request) -> JSONResponse:
            runtime: bootstrap.Runtime = request.app.state.runtime
            await reminders.on_job(await request.json(), runtime.ctx)
            return JSONResponse({"status": "ok", "job": name})

        @app.post("/reminder-sweep", include_in_schema=False, dependencies=CALLBACK)
        async def on_sweep(request: Request) -> JSONResponse:
            runtime: bootstrap.Runtime = request.app.state.runtime
            return JSONResponse({"sent": await reminders.sweep(runtime.ctx)})

    if role == "realtime":

        @app.websocket("/ws")
        async def ws(socket: WebSocket) -> None:
            runtime: bootstrap.Runtime = socket.app.state.runtime
            await serve_socket(socket, runtime.hub, runtime.auth.user_id)

    if role == "audit":
        app.include_router(audit_router)

    return app
