"""/ws on the api: served here when embedded, forwarded to a realtime replica in the stack."""

from __future__ import annotations

import asyncio
import contextlib
import itertools

import websockets
from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from todo.bootstrap import Runtime
from todo.services.realtime import serve_socket

router = APIRouter()
_next_replica = itertools.count()


@router.websocket("/ws")
async def websocket(ws: WebSocket) -> None:
    runtime: Runtime = ws.app.state.runtime
    urls = [u for u in runtime.settings.realtime_urls.split(",") if u.strip()]
    if runtime.embedded or not urls:
        await serve_socket(ws, runtime.hub, runtime.auth.user_id)
        return
    # Round-robin over the gateway replicas; the gateway itself checks the token.
    target = urls[next(_next_replica) % len(urls)].strip().rstrip("/")
    await _forward(ws, f"{target}/ws?{ws.url.query}")


async def _forward(client: WebSocket, url: str) -> None:
    await client.accept()
    try:
        upstream = await websockets.connect(url, open_timeout=5)
    except (OSError, websockets.InvalidHandshake, TimeoutError):
        await client.close(code=1013, reason="realtime gateway unavailable; retry")
        return
    async with upstream:

        async def downstream() -> None:
            async for message in upstream:
                await client.send_text(message if isinstance(message, str) else message.decode())

        async def upstream_pump() -> None:
            with contextlib.suppress(WebSocketDisconnect):
                while True:
                    await upstream.send(await client.receive_text())

        pumps = [asyncio.create_task(downstream()), asyncio.create_task(upstream_pump())]
        _, pending = await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        # Collect both: a pump ended by the gateway's close raises, and nobody else would look.
        await asyncio.gather(*pumps, return_exceptions=True)
        code = upstream.close_code or 1000
        reason = upstream.close_reason or ""
    with contextlib.suppress(RuntimeError):
        await client.close(code=code, reason=reason)
