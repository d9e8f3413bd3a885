"""Shared fixtures. The API suite runs once on SQLite and once on a real PostgreSQL server."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from tests.support.api import AppEnv, User, fresh_database, settings_for, signup
from tests.support.postgres import PostgresServer
from todo.api.app import create_app
from todo.observability.logging import configure as configure_logging

# The console renderer of `make run`, as the product configures it: structlog's own default
# renders every frame's locals, which costs seconds per traceback.
configure_logging("WARNING", json=False)


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    """The admin URL of a PostgreSQL server: the harness's own, or TODO_TEST_DATABASE_URL's."""
    external = os.environ.get("TODO_TEST_DATABASE_URL")
    if external:
        yield external
        return
    server = PostgresServer.start()
    try:
        yield server.admin_url
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"], scope="session")
def db_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def new_database(kind: str, request: pytest.FixtureRequest, tmp_dir: Any) -> str:
    admin = request.getfixturevalue("pg_admin_url") if kind == "postgresql" else None
    return await fresh_database(kind, tmp_dir, admin)


@pytest.fixture(scope="session")
async def app_env(
    db_kind: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[AppEnv]:
    url = await new_database(db_kind, request, tmp_path_factory.mktemp("db"))
    settings = settings_for(url)
    app = create_app(settings)
    async with LifespanManager(app):
        yield AppEnv(db_kind, app, settings)


@pytest.fixture
async def client(app_env: AppEnv) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app_env.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


@pytest.fixture
async def user(client: httpx.AsyncClient) -> User:
    return await signup(client)


@pytest.fixture
async def other_user(client: httpx.AsyncClient) -> User:
    return await signup(client)
