"""Load that a fault lands in, and the accounting of every effect it should have had.

A round: one user with a live WebSocket; tasks created at a steady rate, recurring tasks
completed, reminders falling due — while a part of the stack is killed and brought back. The
client acts as the web app would: a request that meets a dead api is sent again, and a
WebSocket that drops reconnects and refetches the list (resync).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import websockets

from tests.support.api import User
from tests.support.smtp import Inbox

RETRYABLE = (httpx.TransportError, httpx.RemoteProtocolError)


async def send(http: httpx.AsyncClient, method: str, url: str, **kwargs: Any) -> httpx.Response:
    """A request as the web app sends it: again after a connection failure or a 5xx."""
    deadline = time.monotonic() + 90
    while True:
        try:
            response = await http.request(method, url, **kwargs)
            if response.status_code < 500:
                return response
        except RETRYABLE:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{method} {url} kept failing for 90 s")
        await asyncio.sleep(0.25)


@dataclass
class LiveClient:
    """A browser tab's WebSocket: updates as they come, reconnect + refetch after a drop."""

    ws_url: str
    token: str
    http: httpx.AsyncClient
    live: set[int] = field(default_factory=set)  # task ids seen in updates
    resynced: set[int] = field(default_factory=set)  # task ids seen by refetching the list
    connected_at: float = 0.0  # the latest (re)connection
    reconnects: int = 0
    _task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        first = True
        while True:
            try:
                async with websockets.connect(self.ws_url, open_timeout=5) as ws:
                    await ws.send(json.dumps({"action": "auth", "token": self.token}))
                    hello = json.loads(await ws.recv())
                    assert hello["action"] == "hello", hello
                    self.connected_at = time.monotonic()
                    if not first:
                        self.reconnects += 1
                        await self._resync()
                    first = False
                    async for message in ws:
                        update = json.loads(message)
                        if "task_id" in update:
                            self.live.add(int(update["task_id"]))
            except (TimeoutError, OSError, websockets.WebSocketException):
                await asyncio.sleep(0.5)

    async def _resync(self) -> None:
        page = 1
        while True:
            response = await send(self.http, "GET", f"/api/tasks?page={page}&page_size=100")
            body = response.json()
            self.resynced |= {int(t["id"]) for t in body["items"]}
            if page * 100 >= body["total"]:
                return
            page += 1


@dataclass
class Round:
    """What one round did, and so what must have happened once each."""

    user: User
    created: dict[int, float] = field(default_factory=dict)  # task id -> when its POST returned
    recurring: dict[int, str] = field(default_factory=dict)  # completed task id -> series id
    reminders: dict[str, int] = field(default_factory=dict)  # title -> task id


async def run_load(
    http: httpx.AsyncClient, user: User, seconds: float, rate: float = 15.0
) -> Round:
    """Creates at `rate`/s for `seconds`; 6 recurring tasks completed along the way; 6
    reminders due 2-6 s after the start."""
    done = Round(user)
    headers = user.headers
    now = datetime.now(UTC)
    yesterday = (now - timedelta(days=1)).replace(microsecond=0).isoformat()

    async def create(body: dict[str, Any]) -> int:
        response = await send(http, "POST", "/api/tasks", json=body, headers=headers)
        assert response.status_code == 201, response.text
        task_id = int(response.json()["id"])
        done.created[task_id] = time.monotonic()
        return task_id

    for i in range(6):
        title = f"reminder {i} {uuid.uuid4().hex[:6]}"
        remind_at = now + timedelta(seconds=2 + i * 0.8)
        due_at = remind_at + timedelta(hours=1)
        body = {"title": title, "remind_at": remind_at.isoformat(), "due_at": due_at.isoformat()}
        done.reminders[title] = await create(body)
    series = []
    for i in range(6):
        body = {"title": f"daily {i}", "due_at": yesterday, "recurrence": "FREQ=DAILY"}
        response = await send(http, "POST", "/api/tasks", json=body, headers=headers)
        assert response.status_code == 201, response.text
        done.created[int(response.json()["id"])] = time.monotonic()
        series.append(response.json())

    started = time.monotonic()
    pending: list[asyncio.Task[Any]] = []
    sent = 0
    while (elapsed := time.monotonic() - started) < seconds:
        if sent < elapsed * rate:
            sent += 1
            pending.append(asyncio.create_task(create({"title": f"load {sent}"})))
            if sent % 10 == 0 and series:
                task = series.pop()
                done.recurring[int(task["id"])] = task["series_id"]
                pending.append(
                    asyncio.create_task(
                        send(http, "POST", f"/api/tasks/{task['id']}/complete", headers=headers)
                    )
                )
        await asyncio.sleep(0.01)
    for task in series:  # whatever the rate left over
        done.recurring[int(task["id"])] = task["series_id"]
        pending.append(
            asyncio.create_task(
                send(http, "POST", f"/api/tasks/{task['id']}/complete", headers=headers)
            )
        )
    await asyncio.gather(*pending)
    return done


@dataclass
class Effects:
    created_events: dict[int, int]  # task id -> 'created' events in the event store
    series_sizes: dict[str, int]  # series id -> tasks in it
    emails: dict[str, int]  # reminder title -> emails received
    outbox_pending: int

    def lost(self, done: Round) -> int:
        return (
            sum(1 for t in done.created if self.created_events.get(t, 0) == 0)
            + sum(1 for s in done.recurring.values() if self.series_sizes.get(s, 0) < 2)
            + sum(1 for t in done.reminders if self.emails.get(t, 0) == 0)
        )

    def duplicated(self, done: Round) -> int:
        return (
            sum(1 for t in done.created if self.created_events.get(t, 0) > 1)
            + sum(1 for s in done.recurring.values() if self.series_sizes.get(s, 0) > 2)
            + sum(1 for t in done.reminders if self.emails.get(t, 0) > 1)
        )

    def report(self, done: Round) -> str:
        """Which effects are missing or doubled, for the failure message."""
        return (
            f"created events {[(t, self.created_events.get(t, 0)) for t in done.created if self.created_events.get(t, 0) != 1]}; "
            f"series {[(s, self.series_sizes.get(s, 0)) for s in done.recurring.values() if self.series_sizes.get(s, 0) != 2]}; "
            f"emails {[(t, n) for t, n in self.emails.items() if n != 1]}; "
            f"outbox pending {self.outbox_pending}"
        )

    def complete(self, done: Round) -> bool:
        return self.lost(done) == 0 and self.outbox_pending == 0


async def effects(database_url: str, inbox: Inbox, done: Round) -> Effects:
    conn = await asyncpg.connect(database_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        created = await conn.fetch(
            "SELECT task_id, count(*) AS n FROM event_store WHERE event_type = 'created' "
            "AND task_id = ANY($1::bigint[]) GROUP BY task_id",
            list(done.created),
        )
        series = await conn.fetch(
            "SELECT series_id, count(*) AS n FROM tasks WHERE series_id = ANY($1::text[]) "
            "GROUP BY series_id",
            list(done.recurring.values()),
        )
        pending = await conn.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
    finally:
        await conn.close()
    subjects = [m.message["Subject"] for m in inbox.to(done.user.email)]
    return Effects(
        created_events={int(r["task_id"]): int(r["n"]) for r in created},
        series_sizes={str(r["series_id"]): int(r["n"]) for r in series},
        emails={t: subjects.count(f"Reminder: {t}") for t in done.reminders},
        outbox_pending=int(pending),
    )
