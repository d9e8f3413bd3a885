"""Embedded mode, live: reminders by email and WebSocket push, task updates over /ws.

A real `todo serve` process, a real SMTP server (aiosmtpd) and real WebSocket clients.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
import websockets

from tests.support.events import assert_valid
from tests.support.server import running_server
from tests.support.smtp import smtp_server


def _signup(api: httpx.Client) -> tuple[str, dict[str, str]]:
    email = f"live-{uuid.uuid4().hex[:8]}@example.com"
    body = api.post("/api/auth/signup", json={"email": email, "password": "a long secret"}).json()
    return email, {"Authorization": f"Bearer {body['access_token']}"}


async def _collect(url: str, seconds: float, into: list[dict[str, Any]]) -> None:
    async with websockets.connect(url) as ws:
        try:
            async with asyncio.timeout(seconds):
                async for raw in ws:
                    into.append(json.loads(raw))
        except TimeoutError:
            pass


def test_reminder_email_and_live_updates(tmp_path: Path) -> None:
    with (
        smtp_server() as inbox,
        running_server(
            f"sqlite+aiosqlite:///{tmp_path}/todo.db",
            tmp_path / "server.log",
            TODO_SMTP_HOST=inbox.host,
            TODO_SMTP_PORT=str(inbox.port),
        ) as base,
    ):
        api = httpx.Client(base_url=base, timeout=10)
        alice, alice_auth = _signup(api)
        _, bob_auth = _signup(api)
        ws_base = base.replace("http", "ws")
        alice_msgs: list[dict[str, Any]] = []
        bob_msgs: list[dict[str, Any]] = []

        async def scenario() -> float:
            listeners = [
                asyncio.create_task(
                    _collect(f"{ws_base}/ws?token={alice_auth['Authorization'][7:]}", 6, alice_msgs)
                ),
                asyncio.create_task(
                    _collect(f"{ws_base}/ws?token={bob_auth['Authorization'][7:]}", 6, bob_msgs)
                ),
            ]
            await asyncio.sleep(0.5)
            remind_at = datetime.now(UTC) + timedelta(seconds=3)
            async with httpx.AsyncClient(base_url=base) as client:
                created = await client.post(
                    "/api/tasks",
                    headers=alice_auth,
                    json={
                        "title": "Call the plumber",
                        "due_at": (remind_at + timedelta(hours=1)).isoformat(),
                        "remind_at": remind_at.isoformat(),
                    },
                )
                assert created.status_code == 201
            await asyncio.gather(*listeners)
            return remind_at.timestamp()

        remind_ts = asyncio.run(scenario())
        mails = inbox.wait_for(alice, timeout=3)
        assert len(mails) == 1, [m.message["Subject"] for m in mails]
        assert mails[0].message["Subject"] == "Reminder: Call the plumber"
        assert 0 <= mails[0].at - remind_ts < 2.0
        time.sleep(1.0)
        assert len(inbox.to(alice)) == 1  # once

        for message in alice_msgs[1:]:
            assert_valid("task-updates", message)
        actions = [m.get("action") for m in alice_msgs]
        assert actions[0] == "hello"
        assert "created" in actions and "reminder" in actions
        assert [m["action"] for m in bob_msgs] == ["hello"]


def test_invalid_token_closes_with_4401(tmp_path: Path) -> None:
    with running_server(f"sqlite+aiosqlite:///{tmp_path}/t.db", tmp_path / "s.log") as base:

        async def connect() -> int | None:
            async with websockets.connect(base.replace("http", "ws") + "/ws?token=nope") as ws:
                with pytest.raises(websockets.ConnectionClosed):
                    await ws.recv()
                return ws.close_code

        assert asyncio.run(connect()) == 4401


def test_socket_auth_by_first_message_and_ping_pong(tmp_path: Path) -> None:
    """The token comes in the first message (never in the URL, which proxies log); a wrong or
    missing one closes with 4401. Pings, which detect a silently dead connection, get a pong."""
    with running_server(f"sqlite+aiosqlite:///{tmp_path}/todo.db", tmp_path / "server.log") as base:
        _, auth = _signup(httpx.Client(base_url=base, timeout=10))
        token = auth["Authorization"].removeprefix("Bearer ")

        async def scenario() -> list[str]:
            url = f"{base.replace('http', 'ws')}/ws"
            async with websockets.connect(url) as ws:
                # The token in the first message, as the web app sends it (not in the URL).
                await ws.send(json.dumps({"action": "auth", "token": token}))
                actions = [json.loads(await ws.recv())["action"]]  # hello
                await ws.send("not json")  # ignored, the connection stays
                await ws.send(json.dumps({"action": "ping"}))
                actions.append(json.loads(await asyncio.wait_for(ws.recv(), 5))["action"])
                return actions

        assert asyncio.run(scenario()) == ["hello", "pong"]

        async def refused(first_message: str) -> int | None:
            async with websockets.connect(f"{base.replace('http', 'ws')}/ws") as ws:
                await ws.send(first_message)
                with contextlib.suppress(websockets.ConnectionClosed):
                    await asyncio.wait_for(ws.recv(), 5)
                return ws.close_code

        assert asyncio.run(refused(json.dumps({"action": "auth", "token": "forged"}))) == 4401
        assert asyncio.run(refused(json.dumps({"action": "ping"}))) == 4401
        assert asyncio.run(refused("[" * 2000 + "]" * 2000)) == 4401  # nested junk: no crash


def test_a_token_of_no_account_closes_with_4401(tmp_path: Path) -> None:
    """Signed with the server's own key, but for a user id that does not exist (or a number
    the database cannot hold): refused like a forged one, not a socket for nobody."""
    key = "k" * 48
    url = f"sqlite+aiosqlite:///{tmp_path}/todo.db"
    with running_server(url, tmp_path / "server.log", TODO_JWT_SECRET=key) as base:

        async def refused(sub: str) -> int | None:
            claims = {"sub": sub, "aud": "todo-api", "exp": datetime.now(UTC) + timedelta(hours=1)}
            token = jwt.encode(claims, key, algorithm="HS256")
            async with websockets.connect(f"{base.replace('http', 'ws')}/ws") as ws:
                await ws.send(json.dumps({"action": "auth", "token": token}))
                with contextlib.suppress(websockets.ConnectionClosed):
                    await asyncio.wait_for(ws.recv(), 5)
                return ws.close_code

        for sub in ("987654321", str(2**64), "-5"):
            assert asyncio.run(refused(sub)) == 4401, sub
