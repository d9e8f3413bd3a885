"""The transactional outbox and the relay, against real SQLite and PostgreSQL databases."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from asgi_lifespan import LifespanManager
from prometheus_client import CollectorRegistry, Gauge
from sqlalchemy import func, select, update

from tests.conftest import new_database
from tests.support.api import User, settings_for, signup
from tests.support.events import assert_valid
from todo import bootstrap
from todo.api.app import create_app
from todo.clock import utcnow
from todo.domain.events import Message
from todo.messaging import relay as relay_module
from todo.services import audit
from todo.stack.postgres import plain_url
from todo.storage import outbox
from todo.storage.outbox import PendingMessage
from todo.storage.tables import EventRecordRow, OutboxRow, TaskRow
from todo.storage.uow import UnitOfWork


class Env:
    def __init__(self, runtime: bootstrap.Runtime, client: httpx.AsyncClient) -> None:
        self.runtime = runtime
        self.client = client

    async def count(self, column: Any, *where: Any) -> int:
        async with self.runtime.sessions() as session:
            return int(await session.scalar(select(func.count(column)).where(*where)) or 0)


@asynccontextmanager
async def running_env(
    kind: str, request: pytest.FixtureRequest, tmp: Path, **settings: Any
) -> AsyncIterator[Env]:
    """An app on its own database whose relay does not run by itself: tests drive it."""
    url = await new_database(kind, request, tmp)
    runtime = bootstrap.build(settings_for(url, **settings))
    runtime.start = _no_background  # type: ignore[method-assign]
    app = create_app(runtime.settings, runtime)
    async with LifespanManager(app):
        # The injected crash must come back as the 500 a client sees, not as a test error.
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield Env(runtime, client)


@pytest.fixture
async def env(
    db_kind: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Env]:
    async with running_env(db_kind, request, tmp_path_factory.mktemp("outbox")) as running:
        yield running


@pytest.fixture
async def pg_env(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Env]:
    """PostgreSQL only: advisory locks and LISTEN/NOTIFY. A 30 s poll, so only NOTIFY is fast."""
    tmp = tmp_path_factory.mktemp("pg-outbox")
    async with running_env("postgresql", request, tmp, relay_poll_seconds=30) as running:
        yield running


class Recorder:
    """A publisher that accepts everything (after `delay`) and remembers what it was given."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.published: list[PendingMessage] = []

    async def publish_batch(self, messages: Sequence[PendingMessage]) -> set[int]:
        if self.delay:
            await asyncio.sleep(self.delay)
        self.published.extend(messages)
        return {m.id for m in messages}


async def _no_background() -> None:
    return None


async def test_change_and_events_commit_together(env: Env) -> None:
    user = await signup(env.client)
    task = await user.create(title="t")
    await user.patch(f"/api/tasks/{task['id']}", json={"title": "u"})
    await user.post(f"/api/tasks/{task['id']}/complete")
    await user.delete(f"/api/tasks/{task['id']}")
    async with env.runtime.sessions() as session:
        rows = (await session.scalars(select(OutboxRow).order_by(OutboxRow.id))).all()
    assert [(r.topic, r.payload.get("event_type") or r.payload.get("action")) for r in rows] == [
        ("task-events", "created"),
        ("task-updates", "created"),
        ("task-events", "updated"),
        ("task-updates", "updated"),
        ("task-events", "completed"),
        ("task-updates", "updated"),
        ("task-events", "deleted"),
        ("task-updates", "deleted"),
    ]
    assert {r.key for r in rows} == {str(task["id"])}
    for row in rows:
        assert_valid(row.topic, row.payload)
        assert row.sent_at is None


async def test_failure_before_commit_leaves_neither_task_nor_events(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = await signup(env.client)
    original = UnitOfWork.commit

    async def fail_after_writing(self: UnitOfWork) -> None:
        await self.session.flush()  # the task row and the outbox rows are written …
        raise RuntimeError("injected: crash before commit")  # … and never committed

    monkeypatch.setattr(UnitOfWork, "commit", fail_after_writing)
    response = await user.post("/api/tasks", json={"title": "doomed"})
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "injected" not in response.text  # no internals leak
    monkeypatch.setattr(UnitOfWork, "commit", original)
    assert await env.count(TaskRow.id) == 0
    assert await env.count(OutboxRow.id) == 0


async def test_relay_publishes_in_order_and_marks_sent(env: Env) -> None:
    user = await signup(env.client)
    for i in range(3):
        await user.create(title=f"t{i}")
    recorder = Recorder()
    relay = relay_module.Relay(env.runtime.sessions, recorder, batch_size=4)
    assert await relay.drain() == 6
    ids = [m.id for m in recorder.published]
    assert ids == sorted(ids)
    assert await env.count(OutboxRow.id, OutboxRow.sent_at.is_(None)) == 0
    assert await relay.drain() == 0


async def test_partial_acceptance_keeps_the_rest_pending(env: Env) -> None:
    user = await signup(env.client)
    await user.create(title="a")
    await user.create(title="b")

    class Flaky:
        async def publish_batch(self, messages: Sequence[PendingMessage]) -> set[int]:
            return {messages[0].id}

    relay = relay_module.Relay(env.runtime.sessions, Flaky())
    with pytest.raises(relay_module.PublishFailed):
        await relay.drain_once()
    assert await env.count(OutboxRow.id, OutboxRow.sent_at.is_(None)) == 3
    async with env.runtime.sessions() as session:
        failed = (await outbox.pending(session, 1))[0]
    assert failed.attempts == 1


async def test_relay_dying_before_marking_sent_republishes_and_consumer_acts_once(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = await signup(env.client)
    task = await user.create(title="once")

    async def die(*_: Any, **__: Any) -> None:
        raise RuntimeError("injected: relay killed after publishing")

    monkeypatch.setattr(outbox, "mark_sent", die)
    first = env.runtime.relay
    with pytest.raises(RuntimeError, match="injected"):
        await first.drain_once()  # published to the in-process consumers, not marked
    assert await env.count(EventRecordRow.id) == 1
    monkeypatch.undo()

    restarted = relay_module.Relay(env.runtime.sessions, first._publisher)
    assert await restarted.drain() == 2  # the same two rows go out again
    assert await env.count(OutboxRow.id, OutboxRow.sent_at.is_(None)) == 0
    # audit saw the task-event twice and stored it once
    assert await env.count(EventRecordRow.id, EventRecordRow.task_id == task["id"]) == 1
    history = (await user.get(f"/api/tasks/{task['id']}/history")).json()["items"]
    assert [e["event_type"] for e in history] == ["created"]


async def test_every_emitted_event_matches_its_schema(env: Env) -> None:
    user: User = await signup(env.client)
    task = await user.create(
        title="schema",
        tags=["a"],
        due_at="2031-01-06T10:00:00Z",
        remind_at="2031-01-06T09:00:00Z",
        recurrence="FREQ=WEEKLY",
    )
    url = f"/api/tasks/{task['id']}"
    await user.patch(url, json={"priority": "high", "description": "d"})
    await user.post(f"{url}/complete")
    await user.post(f"{url}/reopen")
    await user.delete(url)
    await env.runtime.relay.drain()  # runs recurrence too, which emits more events
    await env.runtime.relay.drain()
    async with env.runtime.sessions() as session:
        rows = (await session.scalars(select(OutboxRow))).all()
    assert len(rows) >= 10
    for row in rows:
        assert_valid(row.topic, row.payload)


async def test_rebuild_from_the_event_store_matches_live_rows(env: Env) -> None:
    user = await signup(env.client)
    kept = await user.create(title="kept", tags=["x"], due_at="2031-01-01T00:00:00Z")
    await user.patch(f"/api/tasks/{kept['id']}", json={"priority": "high"})
    await user.post(f"/api/tasks/{kept['id']}/complete")
    gone = await user.create(title="gone")
    await user.delete(f"/api/tasks/{gone['id']}")
    await env.runtime.relay.drain()
    assert await audit.rebuild(env.runtime.ctx) == []
    # Tamper with a live row behind the events' back: rebuild must notice.
    async with env.runtime.sessions() as session, session.begin():
        await session.execute(
            update(TaskRow).where(TaskRow.id == kept["id"]).values(title="tampered")
        )
    assert await audit.rebuild(env.runtime.ctx) == [f"task {kept['id']}: differs in title"]


async def test_relays_of_several_replicas_publish_each_row_once(pg_env: Env) -> None:
    user = await signup(pg_env.client)
    for i in range(30):
        await user.create(title=f"r{i}")
    recorder = Recorder(delay=0.01)
    relays = [relay_module.Relay(pg_env.runtime.sessions, recorder, batch_size=7) for _ in range(3)]

    async def drain(relay: relay_module.Relay) -> None:
        while await pg_env.count(OutboxRow.id, OutboxRow.sent_at.is_(None)):
            await relay.drain_once()

    await asyncio.gather(*(drain(r) for r in relays))
    published = [m.id for m in recorder.published]
    assert len(published) == 60 and len(set(published)) == 60


async def test_a_commit_in_another_process_wakes_the_relay_through_notify(pg_env: Env) -> None:
    recorder = Recorder()
    relay = relay_module.Relay(pg_env.runtime.sessions, recorder, poll_seconds=30)
    running = asyncio.create_task(relay.run())
    try:
        await asyncio.sleep(0.5)  # past the first (empty) drain, now waiting up to 30 s
        other = bootstrap.build(pg_env.runtime.settings, with_relay=False)  # its own engine
        try:
            async with other.uow() as uow:  # a commit the relay's process did not make
                await uow.outbox.add(
                    [Message("task-events", "1", {"event_id": "x"})], utcnow(), None
                )
                await uow.commit()
            deadline = asyncio.get_running_loop().time() + 3
            while not recorder.published and asyncio.get_running_loop().time() < deadline:
                await asyncio.sleep(0.02)
            assert recorder.published, "the relay did not wake on NOTIFY"
        finally:
            await other.stop()
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running


async def test_the_relay_listens_again_after_losing_its_listen_connection(
    pg_env: Env,
) -> None:
    """A database restart drops the LISTEN connection; the relay must LISTEN again, or other
    replicas' commits would wait for the (here 30 s) poll."""
    recorder = Recorder()
    relay = relay_module.Relay(pg_env.runtime.sessions, recorder, poll_seconds=30)
    running = asyncio.create_task(relay.run())
    admin = await asyncpg.connect(plain_url(pg_env.runtime.settings.database_url))
    name = relay_module.LISTEN_APPLICATION_NAME

    async def listeners() -> list[int]:
        rows = await admin.fetch(
            "SELECT pid FROM pg_stat_activity "
            "WHERE application_name = $1 AND datname = current_database()",  # not other tests'
            name,
        )
        return [r["pid"] for r in rows]

    async def until(check: Callable[[], Awaitable[bool]], what: str, within: float) -> None:
        deadline = asyncio.get_running_loop().time() + within
        while not await check():
            assert asyncio.get_running_loop().time() < deadline, what
            await asyncio.sleep(0.05)

    try:
        await until(lambda: _truthy(listeners()), "the relay never listened", 5)
        [first] = await listeners()
        await admin.execute("SELECT pg_terminate_backend($1)", first)
        await until(lambda: _differs(listeners(), first), "the relay did not listen again", 10)
        await asyncio.sleep(0.3)  # past the drain its new LISTEN triggers
        recorder.published.clear()
        other = bootstrap.build(pg_env.runtime.settings, with_relay=False)
        try:
            async with other.uow() as uow:
                await uow.outbox.add(
                    [Message("task-events", "1", {"event_id": "y"})], utcnow(), None
                )
                await uow.commit()

            async def published() -> bool:
                return bool(recorder.published)

            await until(published, "a commit elsewhere did not wake the relay", 3)
        finally:
            await other.stop()
    finally:
        await admin.close()
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running


async def _truthy(pids: Awaitable[list[int]]) -> bool:
    return bool(await pids)


async def _differs(pids: Awaitable[list[int]], old: int) -> bool:
    now = await pids
    return bool(now) and old not in now


async def test_backlog_gauges_move_while_publishing_fails(env: Env) -> None:
    user = await signup(env.client)
    await user.create(title="stuck")

    class Down:
        async def publish_batch(self, messages: Sequence[PendingMessage]) -> set[int]:
            raise ConnectionError("broker down")

    # Gauges of this relay's own: the session's other apps run relays in this process too.
    registry = CollectorRegistry()
    pending = Gauge("pending", "", registry=registry)
    oldest = Gauge("oldest", "", registry=registry)
    relay = relay_module.Relay(
        env.runtime.sessions, Down(), poll_seconds=0.05, backlog_gauges=(pending, oldest)
    )
    running = asyncio.create_task(relay.run())
    try:
        await asyncio.sleep(0.5)
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
    assert registry.get_sample_value("pending") == 2
    assert (registry.get_sample_value("oldest") or 0) > 0
