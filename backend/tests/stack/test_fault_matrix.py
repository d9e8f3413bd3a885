"""The fault matrix: each fault lands in sustained load, and every effect is then accounted for.

After each fault: every created task's `created` event is in the event store exactly once;
each completed recurring task has exactly one next occurrence; each reminder email arrived
exactly once (the SMTP server counts); the WebSocket client, after reconnecting and
refetching, knows every task, and got live every update of tasks created after it was back;
the outbox drained to zero; nothing new on any `.dlq` topic.

With TODO_RELIABILITY_TABLE=<file> (`make reliability`) the results are written as the
Markdown table of docs/RELIABILITY.md.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.stack.client import StackClient
from tests.stack.load import Effects, LiveClient, effects, run_load
from tests.support.kafka import dead_letter_counts


@dataclass(frozen=True)
class Fault:
    name: str
    how: str
    target: str  # Stack.kill's target; "postgres-restart" for a clean restart


FAULTS = [
    Fault("Kafka broker killed and restarted", "SIGKILL mid-burst", "kafka"),
    Fault("the api's daprd killed and restarted", "SIGKILL while the relay publishes", "api.daprd"),
    Fault("the api killed and restarted", "SIGKILL mid-relay", "api.app"),
    Fault("audit and its daprd killed", "SIGKILL mid-bulk-delivery", "audit"),
    Fault("reminders and its daprd killed", "SIGKILL mid-bulk-delivery", "reminders"),
    Fault("recurrence and its daprd killed", "SIGKILL mid-bulk-delivery", "recurrence"),
    Fault("notifier and its daprd killed", "SIGKILL mid-bulk-delivery", "notifier"),
    Fault("PostgreSQL restarted", "stop + start mid-burst", "postgres-restart"),
    Fault("the Dapr scheduler killed and restarted", "SIGKILL, reminder jobs pending", "scheduler"),
]

LOAD_SECONDS = 5.0
FAULT_AFTER = 1.5
OUTAGE_SECONDS = 2.0


@dataclass
class Row:
    fault: Fault
    events: int
    lost: int
    duplicated: int
    recovery_seconds: float


@pytest.fixture(scope="module")
def report() -> Iterator[list[Row]]:
    rows: list[Row] = []
    yield rows
    target = os.environ.get("TODO_RELIABILITY_TABLE")
    if target and rows:
        lines = [
            "| fault | how | events | lost | duplicated side effects | recovery |",
            "|---|---|---|---|---|---|",
            *(
                f"| {r.fault.name} | {r.fault.how} | {r.events} | {r.lost} | {r.duplicated} "
                f"| {r.recovery_seconds:.1f} s |"
                for r in rows
            ),
        ]
        Path(target).write_text("\n".join(lines) + "\n", encoding="utf-8")


async def _inject(client: StackClient, fault: Fault) -> None:
    stack = client.stack
    if fault.target == "postgres-restart":
        await stack.postgres.stop()
        await asyncio.sleep(OUTAGE_SECONDS)
        await stack.postgres.start()
        return
    await stack.kill(fault.target)
    await asyncio.sleep(OUTAGE_SECONDS)
    healed = await stack.heal()
    assert healed, f"{fault.target} was killed, yet nothing needed a restart"


@pytest.mark.parametrize("fault", FAULTS, ids=[f.target for f in FAULTS])
async def test_fault_under_load_loses_and_duplicates_nothing(
    client: StackClient, fault: Fault, report: list[Row]
) -> None:
    user = await client.signup()
    dead_before = await asyncio.to_thread(dead_letter_counts, client.kafka)
    async with httpx.AsyncClient(base_url=client.api_url, timeout=30, trust_env=False) as http:
        live = LiveClient(client.ws_url(user).split("?")[0], user.token, http)
        http.headers.update(user.headers)
        live.start()
        await client.until(lambda: live.connected_at > 0, "the WebSocket is connected")
        load = asyncio.create_task(run_load(http, user, LOAD_SECONDS))
        await asyncio.sleep(FAULT_AFTER)
        await _inject(client, fault)
        back = time.monotonic()
        done = await load

        async def measured() -> Effects:
            return await effects(client.stack.database_url, client.smtp, done)

        final = await client.until_value(
            measured, lambda e: e.complete(done), f"every effect after: {fault.name}", 120
        )
        recovered = time.monotonic() - back
        await asyncio.sleep(3)  # a duplicate would come late: give it the time to show
        final = await measured()
        await live.stop()

    events = len(done.created) + len(done.recurring) + len(done.reminders)
    report.append(Row(fault, events, final.lost(done), final.duplicated(done), recovered))
    assert final.lost(done) == 0, final.report(done)
    assert final.duplicated(done) == 0, final.report(done)
    assert final.outbox_pending == 0
    dead_after = await asyncio.to_thread(dead_letter_counts, client.kafka)
    assert dead_after == dead_before, "events were dead-lettered"
    known = live.live | live.resynced
    assert set(done.created) <= known, sorted(set(done.created) - known)
    since_back = {t for t, at in done.created.items() if at > live.connected_at + 1.0}
    assert since_back <= live.live, sorted(since_back - live.live)
