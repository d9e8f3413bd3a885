"""After traffic, every role's /metrics has the named series, and the values match what was done."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import httpx
import websockets

from tests.stack.client import StackClient
from tests.stack.metrics import scrape, value


async def test_metrics_of_every_role_follow_the_traffic(client: StackClient) -> None:
    stack = client.stack
    roles = ["api", "audit", "recurrence", "reminders", "notifier", "realtime"]
    before = {role: await scrape(stack.app_url(role)) for role in roles}
    for role in roles:
        assert value(before[role], "todo_build_info", role=role) == 1, role
    # Labelled series exist at 0 before their first event, so rate() and increase() see it.
    zero = frozenset({("channel", "email")})
    assert ("todo_notifications_sent_total", zero) in before["notifier"]
    handled = frozenset({("consumer", "audit"), ("topic", "task-events"), ("outcome", "failed")})
    assert ("todo_events_handled_total", handled) in before["audit"]

    user = await client.signup()
    async with websockets.connect(client.ws_url(user)) as ws:
        await ws.recv()  # hello
        created = [await user.create(title=f"metered {i}") for i in range(3)]
        await user.post(f"/api/tasks/{created[0]['id']}/complete")
        remind_at = datetime.now(UTC) + timedelta(seconds=2)
        await user.create(title="metered reminder", remind_at=remind_at.isoformat())
        await client.mails_to(user.email, count=1, timeout=10)
        received = 0
        try:
            async with asyncio.timeout(3):
                while True:
                    json.loads(await ws.recv())
                    received += 1
        except TimeoutError:
            pass
    assert received >= 6  # 4 created + 1 updated + 1 reminder

    async def after(role: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
        return await scrape(stack.app_url(role))

    def delta(role: str, now: dict, name: str, **labels: str) -> float:  # type: ignore[type-arg]
        return value(now, name, **labels) - value(before[role], name, **labels)

    api = await after("api")
    assert delta("api", api, "todo_tasks_created_total") == 4
    assert delta("api", api, "todo_tasks_completed_total") == 1
    assert (
        delta(
            "api", api, "todo_http_requests_total", method="POST", route="/api/tasks", status="201"
        )
        == 4
    )
    assert value(api, "todo_http_request_duration_seconds_count", route="/api/tasks") > 0
    assert delta("api", api, "todo_outbox_published_total", topic="task-events") >= 5
    assert value(api, "todo_relay_publish_duration_seconds_count") > 0

    audit = await client.until_value(
        lambda: after("audit"),
        lambda m: (
            delta(
                "audit",
                m,
                "todo_events_handled_total",
                consumer="audit",
                topic="task-events",
                outcome="success",
            )
            >= 5
        ),
        "audit handled the events",
    )
    assert (
        delta(
            "audit",
            audit,
            "todo_events_handled_total",
            consumer="audit",
            topic="task-events",
            outcome="success",
        )
        == 5
    )
    assert value(audit, "todo_event_age_seconds_count", consumer="audit") > 0

    reminders = await after("reminders")
    assert delta("reminders", reminders, "todo_reminders_scheduled_total") == 1
    assert delta("reminders", reminders, "todo_reminders_fired_total", via="job") == 1
    assert delta("reminders", reminders, "todo_reminders_fired_total", via="sweep") == 0
    assert value(reminders, "todo_reminder_lateness_seconds_count") >= 1

    notifier = await after("notifier")
    assert delta("notifier", notifier, "todo_notifications_sent_total", channel="email") == 1
    assert delta("notifier", notifier, "todo_notifications_sent_total", channel="push") == 1

    recurrence = await after("recurrence")
    assert (
        delta(
            "recurrence",
            recurrence,
            "todo_events_handled_total",
            consumer="recurrence",
            outcome="success",
        )
        == 5
    )

    sent = 0.0
    for name in stack.instance_names("realtime"):
        now = await scrape(stack.app_url(name))
        sent += value(now, "todo_ws_messages_sent_total")
        assert "todo_ws_connections" in {n for n, _ in now}
    assert sent >= received


async def test_prometheus_scrapes_every_app_and_sidecar_and_loads_the_rules(
    client: StackClient,
) -> None:
    prometheus = client.stack.prometheus_url
    assert prometheus, "the test stack runs its own Prometheus"
    async with httpx.AsyncClient(base_url=prometheus, trust_env=False) as http:

        async def targets() -> list[dict[str, object]]:
            body = (await http.get("/api/v1/targets")).json()
            return list(body["data"]["activeTargets"])

        active = await client.until_value(
            targets,
            lambda ts: bool(ts) and all(t["health"] == "up" for t in ts),
            "every target up",
            timeout=30,
        )
        assert {str(t["health"]) for t in active} == {"up"}, active
        jobs = {str(t["labels"]["job"]) for t in active}  # type: ignore[index]
        assert jobs == {"todo", "daprd", "dapr-scheduler"}
        instances = len(client.stack.instances)
        assert len(active) == 2 * instances + 1
        rules = (await http.get("/api/v1/rules")).json()["data"]["groups"]
        names = {r["name"] for g in rules for r in g["rules"]}
        assert {"TodoApiLatencyHigh", "TodoOutboxStale", "TodoReminderLate"} <= names
        query = await http.get("/api/v1/query", params={"query": "sum(todo_tasks_created_total)"})
        assert query.json()["data"]["result"], "app metrics are in Prometheus"
