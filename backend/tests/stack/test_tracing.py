"""One create-with-reminder is one trace in a real Zipkin: api → relay → reminders → the job's
callback → notifier, each span parented on the one before (Dapr's sidecar spans in between)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.stack.client import StackClient


async def _traces(zipkin: str, service: str) -> list[list[dict[str, Any]]]:
    async with httpx.AsyncClient(base_url=zipkin, trust_env=False) as http:
        response = await http.get(
            "/api/v2/traces", params={"serviceName": service, "lookback": 300_000, "limit": 200}
        )
    response.raise_for_status()
    traces: list[list[dict[str, Any]]] = response.json()
    return traces


def _service(span: dict[str, Any]) -> str:
    return str(span.get("localEndpoint", {}).get("serviceName", ""))


def _ancestry(span: dict[str, Any], by_id: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    chain = [span]
    while chain[-1].get("parentId") in by_id:
        chain.append(by_id[chain[-1]["parentId"]])
    return chain


async def test_a_create_with_a_reminder_is_one_trace_in_zipkin(client: StackClient) -> None:
    zipkin = client.stack.zipkin_url
    assert zipkin, "the test stack runs its own Zipkin"
    user = await client.signup()
    remind_at = datetime.now(UTC) + timedelta(seconds=2)
    await user.create(title="traced end to end", remind_at=remind_at.isoformat())
    assert len(await client.mails_to(user.email, count=1, timeout=10)) == 1

    def complete(
        traces: list[list[dict[str, Any]]],
    ) -> tuple[list[dict[str, Any]], dict[str, Any]] | None:
        """The trace whose notifier span descends, unbroken, from the api's request span
        (sidecars export in batches: a trace shows up before all of its spans do)."""
        for spans in traces:
            by_id = {s["id"]: s for s in spans}
            for span in spans:
                if span.get("name") != "notifier handle reminders":
                    continue
                root = _ancestry(span, by_id)[-1]
                # The top is the api's request span (its parent, if the caller sent a
                # traceparent, is the caller's and not in Zipkin).
                if _service(root) == "api" and "/api/tasks" in root.get("name", ""):
                    return spans, span
        return None

    found = await client.until_value(
        lambda: _traces(zipkin, "notifier"),
        lambda t: complete(t) is not None,
        "the trace in zipkin",
        timeout=60,
    )
    result = complete(found)
    assert result is not None, [
        sorted({(_service(s), s.get("name"), s.get("id"), s.get("parentId")) for s in t})
        for t in found
    ]
    spans, notifier = result
    services = {_service(s) for s in spans}
    assert {"api", "reminders", "notifier"} <= services, services

    by_id = {s["id"]: s for s in spans}
    chain = _ancestry(notifier, by_id)
    names = [(_service(s), s.get("name", "")) for s in chain]
    root = chain[-1]
    assert _service(root) == "api", names
    assert "/api/tasks" in root.get("name", ""), names
    assert ("reminders", "reminder due") in names, names
    assert ("reminders", "reminders handle task-events") in names, names
    assert any(name.startswith("relay publish") for _, name in names), names
    # The reminder's timer fires within the same trace, after the consumer that set it.
    order = [n for _, n in reversed(names)]
    assert order.index("reminders handle task-events") < order.index("reminder due")
