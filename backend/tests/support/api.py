"""Test helpers: an app on a fresh database, signed-up users, and waiting for async effects."""

from __future__ import annotations

import asyncio
import secrets
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import asyncpg
import httpx
from fastapi import FastAPI

from todo.settings import Settings
from todo.storage.migrate import upgrade

T = TypeVar("T")


def settings_for(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "environment": "test",
        "DATABASE_URL": database_url,
        "relay_poll_seconds": 0.2,
        "login_account_rate": "1000/minute",
        "login_client_rate": "100000/minute",
        "log_level": "WARNING",
        # One key per settings object, as a deployment configures one for all its replicas.
        "jwt_secret": secrets.token_urlsafe(48),
    }
    values.update(overrides)
    return Settings(**values)


async def fresh_database(kind: str, tmp_dir: Any, admin_url: str | None = None) -> str:
    """A new, migrated database of `kind` ("sqlite" or "postgresql"); returns its URL."""
    name = f"todo_{uuid.uuid4().hex[:12]}"
    if kind == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_dir}/{name}.db"
    else:
        assert admin_url is not None
        dsn = admin_url.replace("postgresql+asyncpg", "postgresql")
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    # Alembic's env.py runs its own event loop, so it cannot run on this one.
    await asyncio.to_thread(upgrade, url)
    return url


@dataclass
class User:
    client: httpx.AsyncClient
    token: str
    id: int
    email: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return await self.client.request(method, url, headers=headers, **kwargs)

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("GET", url, **kwargs)

    async def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("POST", url, **kwargs)

    async def patch(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("PATCH", url, **kwargs)

    async def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("DELETE", url, **kwargs)

    async def create(self, **task: Any) -> dict[str, Any]:
        task.setdefault("title", "a task")
        response = await self.post("/api/tasks", json=task)
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body


async def signup(client: httpx.AsyncClient, password: str = "correct horse") -> User:
    email = f"user-{uuid.uuid4().hex[:10]}@example.com"
    response = await client.post(
        "/api/auth/signup", json={"email": email, "password": password, "name": "Test"}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return User(client, body["access_token"], body["user"]["id"], email)


async def eventually(
    probe: Callable[[], Awaitable[T]], check: Callable[[T], bool], timeout: float = 5.0
) -> T:
    """Poll `probe` until `check` holds; the last value is returned either way for asserting."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await probe()
        if check(value) or asyncio.get_running_loop().time() > deadline:
            return value
        await asyncio.sleep(0.05)


@dataclass
class AppEnv:
    kind: str
    app: FastAPI
    settings: Settings
