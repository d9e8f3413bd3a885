"""The FastAPI application: routers, middleware, error handlers and lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from todo import bootstrap
from todo.api import errors, internal, openapi, realtime, web
from todo.api.middleware import BodyLimit, RequestContext
from todo.api.routes import auth, health, tasks
from todo.auth.keys import ensure_secrets
from todo.observability import tracing
from todo.settings import Settings, get_settings


def create_app(
    settings: Settings | None = None, runtime: bootstrap.Runtime | None = None
) -> FastAPI:
    settings = ensure_secrets(settings or get_settings())
    tracing.configure(settings, settings.app_id)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        rt = runtime or bootstrap.build(settings)
        app.state.runtime = rt
        await rt.start()
        try:
            yield
        finally:
            await rt.stop()

    # /docs with Swagger UI's files served from the package, not a CDN's scripts.
    app = FastAPIOffline(
        static_url="/docs/static",
        title="Todo",
        version="0.1.0",
        summary="Multi-user, event-driven task service",
        lifespan=lifespan,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    app.include_router(auth.router)
    app.include_router(tasks.router)
    app.include_router(health.router)
    app.include_router(internal.api_router)
    app.include_router(realtime.router)
    errors.install(app)
    openapi.install(app)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.add_middleware(RequestContext)
    if settings.forwarded_allow_ips:
        # Outermost: everything inside (logs, throttling) sees the real client address.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.forwarded_allow_ips)
    tracing.instrument_app(app)
    if settings.static_dir and Path(settings.static_dir).is_dir():
        web.install(app, settings.static_dir)
    return app
