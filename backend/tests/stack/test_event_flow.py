"""Task changes through the real stack: outbox → daprd → Kafka → consumers and browsers."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import websockets

from tests.stack.client import StackClient
from tests.support.events import assert_valid
from tests.support.kafka import TopicReader


async def _listen(url: str, into: list[dict[str, Any]], stop: asyncio.Event) -> None:
    async with websockets.connect(url) as ws:
        while not stop.is_set():
            try:
                async with asyncio.timeout(0.2):
                    into.append(json.loads(await ws.recv()))
            except TimeoutError:
                continue


async def test_every_change_is_on_kafka_and_reaches_only_its_users_browser(
    client: StackClient,
) -> None:
    alice, bob = await client.signup(), await client.signup()
    alice_msgs: list[dict[str, Any]] = []
    bob_msgs: list[dict[str, Any]] = []
    stop = asyncio.Event()
    listeners = [
        asyncio.create_task(_listen(client.ws_url(alice), alice_msgs, stop)),
        asyncio.create_task(_listen(client.ws_url(bob), bob_msgs, stop)),
    ]
    await client.until(lambda: len(alice_msgs) >= 1 and len(bob_msgs) >= 1, "both sockets open")

    task = await alice.create(title="through kafka", tags=["k"])
    url = f"/api/tasks/{task['id']}"
    await alice.patch(url, json={"priority": "high"})
    await alice.post(f"{url}/complete")
    assert (await alice.delete(url)).status_code == 204

    reader = TopicReader(client.kafka, "task-events")
    try:
        records = await asyncio.to_thread(
            reader.read_until,
            lambda rs: len([r for r in rs if r.data.get("task_id") == task["id"]]) >= 4,
        )
    finally:
        reader.close()
    mine = [r for r in records if r.data.get("task_id") == task["id"]]
    assert [r.data["event_type"] for r in mine] == ["created", "updated", "completed", "deleted"]
    assert [r.data["version"] for r in mine] == [1, 2, 3, 4]
    assert {r.key for r in mine} == {str(task["id"])}  # partition key = task id
    assert len({r.partition for r in mine}) == 1
    for record in mine:
        assert record.envelope["type"] == "com.dapr.event.sent"
        assert_valid("task-events", record.data)

    def updates() -> list[str]:
        return [m["action"] for m in alice_msgs if m.get("task_id") == task["id"]]

    await client.until(lambda: len(updates()) >= 4, "alice's browser got every update")
    stop.set()
    await asyncio.gather(*listeners)
    assert updates() == ["created", "updated", "updated", "deleted"]
    for message in alice_msgs[1:]:
        assert_valid("task-updates", message)
    assert [m["action"] for m in bob_msgs] == ["hello"]


async def test_history_matches_the_operations_and_rebuild_agrees(client: StackClient) -> None:
    user = await client.signup()
    task = await user.create(title="h1")
    url = f"/api/tasks/{task['id']}"
    await user.patch(url, json={"title": "h2"})
    await user.post(f"{url}/complete")
    await user.post(f"{url}/reopen")
    await user.delete(url)

    async def history() -> list[str]:
        response = await user.get(f"{url}/history")
        return [e["event_type"] for e in response.json().get("items", [])]

    events = await client.until_value(history, lambda h: len(h) == 5, "history complete")
    assert events == ["created", "updated", "completed", "updated", "deleted"]
    other = await client.signup()
    assert (await other.get(f"{url}/history")).status_code == 404
    assert await client.rebuild() == []


async def test_pings_travel_through_the_api_to_the_gateway(client: StackClient) -> None:
    """The api forwards /ws to a realtime replica both ways: the web app's auth message and
    ping reach the gateway, hello and pong come back."""
    user = await client.signup()
    url = client.ws_url(user).split("?", 1)[0]  # the token goes in the first message instead
    async with websockets.connect(url) as ws:
        await ws.send(json.dumps({"action": "auth", "token": user.token}))
        assert json.loads(await ws.recv())["action"] == "hello"
        await ws.send(json.dumps({"action": "ping"}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 5)) == {"action": "pong"}
