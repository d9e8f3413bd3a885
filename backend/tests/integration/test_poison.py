"""Events a handler cannot process: retried, dead-lettered with a reason, never a stalled
process or relay, also after a restart. Embedded mode (in-process delivery), both engines."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from prometheus_client import REGISTRY
from sqlalchemy import func, insert, select, update

from tests.conftest import new_database
from tests.support.api import User, eventually, settings_for, signup
from todo.api.app import create_app
from todo.bootstrap import Runtime
from todo.clock import utcnow
from todo.settings import Settings
from todo.storage.tables import OutboxRow, TaskRow

DUE = datetime(2031, 3, 3, 9, tzinfo=UTC).isoformat()
# Accepted by earlier versions; python-dateutil loops for ever on it.
LOOPS_FOR_EVER = "FREQ=DAILY;INTERVAL=0"


def _dead_letters(consumer: str) -> float:
    labels = {"consumer": consumer, "topic": "task-events"}
    return REGISTRY.get_sample_value("todo_events_dead_lettered_total", labels) or 0.0


@contextlib.asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[tuple[Runtime, httpx.AsyncClient]]:
    app = create_app(settings)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield app.state.runtime, client


async def _pending(runtime: Runtime) -> int:
    async with runtime.sessions() as session:
        query = select(func.count(OutboxRow.id)).where(OutboxRow.sent_at.is_(None))
        return int(await session.scalar(query) or 0)


async def _still_serving(client: httpx.AsyncClient, user: User) -> None:
    """Requests are answered and a new event goes all the way through (history from audit)."""
    assert (await client.get("/healthz")).status_code == 200
    task = await user.create(title="still going")

    async def history() -> list[Any]:
        response = await user.get(f"/api/tasks/{task['id']}/history")
        return list(response.json()["items"]) if response.status_code == 200 else []

    assert len(await eventually(history, lambda items: len(items) == 1, timeout=10)) == 1


@pytest.fixture
async def settings(
    db_kind: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    url = await new_database(db_kind, request, tmp_path_factory.mktemp("poison"))
    return settings_for(url, relay_poll_seconds=0.1)


async def test_a_stored_rule_that_loops_for_ever_is_dead_lettered(settings: Settings) -> None:
    async with serving(settings) as (runtime, client):
        user = await signup(client)
        task = await user.create(title="poison", due_at=DUE, recurrence="FREQ=DAILY")
        async with runtime.sessions() as session, session.begin():
            await session.execute(
                update(TaskRow).where(TaskRow.id == task["id"]).values(recurrence=LOOPS_FOR_EVER)
            )
        before = _dead_letters("recurrence")
        completed = await user.post(f"/api/tasks/{task['id']}/complete")
        assert completed.status_code == 200, completed.text
        # Meanwhile (three bounded attempts) the server answers.
        while _dead_letters("recurrence") == before:
            assert (await client.get("/healthz")).status_code == 200
            await asyncio.sleep(0.05)
        assert _dead_letters("recurrence") == before + 1
        await _still_serving(client, user)
        assert await eventually(lambda: _pending(runtime), lambda n: n == 0) == 0
        series = (await user.get("/api/tasks?q=poison")).json()["items"]
        assert [t["id"] for t in series] == [task["id"]]  # no next occurrence

    # After a restart the event is not taken up again: it was dead-lettered, and marked sent.
    async with serving(settings) as (runtime, client):
        user = await signup(client)
        await _still_serving(client, user)
        assert _dead_letters("recurrence") == before + 1
        assert await _pending(runtime) == 0


async def test_a_poisoned_outbox_row_stops_neither_the_relay_nor_a_restart(
    settings: Settings,
) -> None:
    """Rows no handler can read, written while the server was down, are dead-lettered by every
    consumer of their topic when it starts; the events behind them flow."""
    async with serving(settings) as (runtime, client):
        await signup(client)
    poison = [
        {"event_id": "not-a-uuid"},
        {"event_type": "completed", "task_id": "x", "user_id": None, "task_data": []},
        {"event_id": "c2a0c7d8-5c1f-4b7e-9a51-3f0f2f8f0a11", "event_type": "exploded"},
    ]
    async with runtime.sessions() as session, session.begin():
        for payload in poison:
            await session.execute(
                insert(OutboxRow).values(
                    topic="task-events",
                    key="1",
                    payload=payload,
                    created_at=utcnow(),
                )
            )
    before = _dead_letters("audit")
    async with serving(settings) as (runtime, client):
        user = await signup(client)
        await _still_serving(client, user)
        assert await eventually(lambda: _pending(runtime), lambda n: n == 0) == 0
        assert _dead_letters("audit") >= before + 2
