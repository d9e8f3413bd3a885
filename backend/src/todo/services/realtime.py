"""realtime: the WebSocket gateway. Each task-update goes to that user's connections only.

Every replica consumes task-updates in its own consumer group (broadcast), and pushes to the
connections it holds; a client is connected to one replica.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import WebSocket, WebSocketDisconnect
from starlette.websockets import WebSocketState

from todo.auth import tokens
from todo.observability import metrics
from todo.observability.logging import get_logger
from todo.services.context import Context

log = get_logger(__name__)

# 4401 mirrors HTTP 401 in the private 4000-4999 range: "log in again", not "retry".
CLOSE_UNAUTHORIZED = 4401


class Hub:
    """The open connections of this process, by user."""

    def __init__(self) -> None:
        self._sockets: dict[int, set[WebSocket]] = defaultdict(set)

    def count(self) -> int:
        return sum(len(s) for s in self._sockets.values())

    def add(self, user_id: int, ws: WebSocket) -> None:
        self._sockets[user_id].add(ws)
        metrics.WS_CONNECTIONS.inc()

    def remove(self, user_id: int, ws: WebSocket) -> None:
        sockets = self._sockets.get(user_id)
        if sockets and ws in sockets:
            sockets.discard(ws)
            metrics.WS_CONNECTIONS.dec()
            if not sockets:
                del self._sockets[user_id]

    async def send(self, user_id: int, message: dict[str, Any]) -> int:
        sockets = list(self._sockets.get(user_id, ()))
        results = await asyncio.gather(
            *(ws.send_json(message) for ws in sockets), return_exceptions=True
        )
        sent = 0
        for ws, result in zip(sockets, results, strict=True):
            if isinstance(result, BaseException):
                self.remove(user_id, ws)  # a dead connection; its reader will notice too
            else:
                sent += 1
        metrics.WS_MESSAGES.inc(sent)
        return sent


async def on_task_update(event: dict[str, Any], ctx: Context) -> None:
    await ctx.push(int(event["user_id"]), event)


AUTH_SECONDS = 10.0


async def _auth_message(ws: WebSocket) -> str | None:
    """The token of the client's first message, or None (no message in time, or another one)."""
    try:
        text = await asyncio.wait_for(ws.receive_text(), AUTH_SECONDS)
        message = json.loads(text) if len(text) <= 4096 else None
    except (TimeoutError, WebSocketDisconnect, ValueError, KeyError, RecursionError):
        return None
    if isinstance(message, dict) and message.get("action") == "auth":
        token = message.get("token")
        return token if isinstance(token, str) else None
    return None


def _is_ping(text: str) -> bool:
    if len(text) > 100:
        return False
    try:
        message = json.loads(text)
    except (ValueError, RecursionError):  # "[[[[…": deeply nested junk
        return False
    return isinstance(message, dict) and message.get("action") == "ping"


async def serve_socket(
    ws: WebSocket, hub: Hub, authenticate: Callable[[str], Awaitable[int]]
) -> None:
    """Authenticate, then hold the connection until the client leaves.

    The token comes in the first message, `{"action": "auth", "token": ...}`, within
    AUTH_SECONDS: a URL (`?token=`, still accepted for other clients) ends up in proxies'
    access logs, a message does not.
    """
    await ws.accept()
    token = ws.query_params.get("token") or await _auth_message(ws)
    try:
        user_id = await authenticate(token or "")
    except tokens.InvalidToken:
        with contextlib.suppress(RuntimeError):
            await ws.close(code=CLOSE_UNAUTHORIZED, reason="invalid or expired token")
        return
    hub.add(user_id, ws)
    try:
        await ws.send_json({"action": "hello", "user_id": user_id})
        while True:
            # The web app pings to find out whether a quiet connection still works (after a
            # laptop's sleep, say); anything else a client says is ignored.
            if _is_ping(await ws.receive_text()):
                await ws.send_json({"action": "pong"})
    except WebSocketDisconnect:
        pass
    finally:
        hub.remove(user_id, ws)
        if ws.application_state is not WebSocketState.DISCONNECTED:
            with contextlib.suppress(RuntimeError):
                await ws.close()
