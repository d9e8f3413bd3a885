"""Recurrence through service invocation, duplicate delivery, dead letters, broker outage."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import httpx

from tests.stack.client import StackClient
from tests.stack.metrics import scrape, value
from tests.support.kafka import TopicReader, produce


async def test_completing_a_recurring_task_makes_one_next_even_when_delivered_twice(
    client: StackClient,
) -> None:
    user = await client.signup()
    task = await user.create(
        title="weekly", due_at="2031-03-03T09:00:00Z", recurrence="FREQ=WEEKLY;BYDAY=MO"
    )
    await user.post(f"/api/tasks/{task['id']}/complete")

    async def series() -> list[dict[str, Any]]:
        items = (await user.get("/api/tasks", params={"q": "weekly"})).json()["items"]
        return [t for t in items if t["series_id"] == task["series_id"]]

    found = await client.until_value(series, lambda s: len(s) == 2, "next occurrence")
    assert sorted(t["due_at"] for t in found) == ["2031-03-03T09:00:00Z", "2031-03-10T09:00:00Z"]

    # Deliver the very same `completed` record to every consumer group again.
    reader = TopicReader(client.kafka, "task-events")
    try:
        records = await asyncio.to_thread(
            reader.read_until,
            lambda rs: any(
                r.data.get("task_id") == task["id"] and r.data.get("event_type") == "completed"
                for r in rs
            ),
        )
    finally:
        reader.close()
    completed = next(
        r
        for r in records
        if r.data.get("task_id") == task["id"] and r.data.get("event_type") == "completed"
    )
    await asyncio.to_thread(produce, client.kafka, "task-events", completed.raw, completed.key)
    await asyncio.sleep(4)
    assert len(await series()) == 2


async def test_a_poison_message_goes_to_the_dead_letter_topic_and_the_rest_flows(
    client: StackClient,
) -> None:
    marker = uuid.uuid4().hex
    poison = json.dumps(
        {
            "specversion": "1.0",
            "id": marker,
            "source": "tests",
            "type": "com.dapr.event.sent",
            "datacontenttype": "application/json",
            "topic": "task-events",
            "pubsubname": "pubsub",
            "data": {
                "event_id": marker,
                "event_type": "created",
                "note": "no task_id, no task_data",
            },
        }
    ).encode()
    await asyncio.to_thread(produce, client.kafka, "task-events", poison, "poison")
    reader = TopicReader(client.kafka, "task-events.dlq")
    try:
        records = await asyncio.to_thread(
            reader.read_until, lambda rs: any(marker in r.raw.decode() for r in rs), 60
        )
    finally:
        reader.close()
    assert any(marker in r.raw.decode() for r in records), "poison message not dead-lettered"

    user = await client.signup()
    task = await user.create(title="after the poison")

    async def history() -> httpx.Response:
        return await user.get(f"/api/tasks/{task['id']}/history")

    response = await client.until_value(history, lambda r: r.status_code == 200, "history")
    assert [e["event_type"] for e in response.json()["items"]] == ["created"]


async def test_broker_outage_during_a_burst_loses_and_duplicates_nothing(
    client: StackClient,
) -> None:
    user = await client.signup()
    limits = httpx.Limits(max_connections=20)
    async with httpx.AsyncClient(
        base_url=client.api_url, headers=user.headers, limits=limits, timeout=30
    ) as http:

        async def create(i: int) -> int:
            response = await http.post("/api/tasks", json={"title": f"burst {i}"})
            assert response.status_code == 201, response.text
            return int(response.json()["id"])

        first = await asyncio.gather(*(create(i) for i in range(250)))
        await client.stack.stop_kafka()
        try:
            second = await asyncio.gather(*(create(i) for i in range(250, 500)))
            await asyncio.sleep(10)
        finally:
            await client.stack.start_kafka()
    ids = set(first) | set(second)
    assert len(ids) == 500

    async def stored() -> dict[int, int]:
        return await client.created_events_in_store(ids)

    counts = await client.until_value(stored, lambda c: len(c) == 500, "audit has all", 120)
    assert len(counts) == 500
    assert set(counts.values()) == {1}


async def test_a_database_restart_loses_no_event_and_fails_no_request_after_it(
    client: StackClient,
) -> None:
    """Every pooled connection breaks. The api pings before use, so requests after the restart
    succeed; the workers do not ping (settings.db_pre_ping): a delivery
    that meets a broken connection fails, Dapr retries it, and nothing is lost or doubled."""
    user = await client.signup()
    before = [(await user.create(title=f"before restart {i}"))["id"] for i in range(20)]
    await client.until_value(
        lambda: client.created_events_in_store(set(before)), lambda c: len(c) == 20, "stored"
    )
    retried = await scrape(client.stack.app_url("audit"))
    await client.stack.restart_postgres()
    after = [(await user.create(title=f"after restart {i}"))["id"] for i in range(20)]
    ids = set(before) | set(after)
    counts = await client.until_value(
        lambda: client.created_events_in_store(ids), lambda c: len(c) == 40, "audit has all", 60
    )
    assert set(counts.values()) == {1}
    # The path was taken: audit met a broken pooled connection and answered RETRY.
    now = await scrape(client.stack.app_url("audit"))
    name = "todo_events_retried_total"
    assert value(now, name, consumer="audit") > value(retried, name, consumer="audit")
