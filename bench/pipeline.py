"""Open-loop measurement of the event pipeline, side by side with references.

  cd backend && uv run python ../bench/pipeline.py [--rates 25,50,100] [--seconds 15]

1. Event latency: creates go out at a fixed rate (open loop: each request is timed from the
   moment it was due to be sent, so a slow server cannot hide its queue). For each task, the
   event latency is the audit service's `recorded_at` for its `created` event minus the moment
   the API's response arrived: relay → daprd → Kafka → daprd → audit → PostgreSQL. Reference:
   the same load on embedded mode (SQLite, in-process events, no broker).
2. Relay throughput: N outbox rows are committed at once and the relay publishes them through
   daprd (bulk publish) into Kafka; events/s = N / time until the last is marked sent.
   Reference: confluent-kafka producing the same N payloads straight to the broker.
3. Consumer throughput: N `created` task-events (real event builders, tasks that exist only
   in the events) are committed to the outbox at once; the relay publishes them and every
   task-events subscriber (audit, recurrence, reminders) consumes them at the same time on the
   same cores. Events/s processed = N / time until audit has stored the last one.

Runs its own stack on free loopback ports (todo.stack) and its own embedded server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "backend"))

from tests.support.server import running_server  # noqa: E402
from todo.stack import Stack, StackConfig  # noqa: E402


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


@dataclass
class Sent:
    intended: float
    done: float
    status: int
    task_id: int | None


async def open_loop(base: str, token: str, rate: float, seconds: float) -> list[Sent]:
    """POST /api/tasks at `rate` per second for `seconds`, never waiting for answers to send."""
    results: list[Sent] = []
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30, trust_env=False,
                                 headers={"Authorization": f"Bearer {token}"}) as http:
        async def one(i: int, intended: float) -> None:
            try:
                response = await http.post("/api/tasks", json={"title": f"bench {i}"})
                task_id = response.json().get("id") if response.status_code == 201 else None
                results.append(Sent(intended, time.time(), response.status_code, task_id))
            except httpx.HTTPError:
                results.append(Sent(intended, time.time(), 0, None))

        count = int(rate * seconds)
        start = time.time() + 0.2
        pending = []
        for i in range(count):
            intended = start + i / rate
            delay = intended - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
            pending.append(asyncio.create_task(one(i, intended)))
        await asyncio.gather(*pending)
    return results


async def signup(base: str) -> str:
    async with httpx.AsyncClient(base_url=base, trust_env=False) as http:
        body = (await http.post("/api/auth/signup", json={
            "email": f"bench-{uuid.uuid4().hex[:8]}@example.com", "password": "benchmark!"
        })).json()
    return str(body["access_token"])


async def recorded_at_pg(database_url: str, ids: list[int]) -> dict[int, float]:
    conn = await asyncpg.connect(database_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        rows = await conn.fetch(
            "SELECT task_id, recorded_at FROM event_store WHERE event_type='created' "
            "AND task_id = ANY($1::bigint[])", ids)
    finally:
        await conn.close()
    return {int(r["task_id"]): r["recorded_at"].timestamp() for r in rows}


async def recorded_at_sqlite(path: str, ids: list[int]) -> dict[int, float]:
    import aiosqlite

    wanted = set(ids)
    async with aiosqlite.connect(path) as db:
        cursor = await db.execute(
            "SELECT task_id, recorded_at FROM event_store WHERE event_type='created'")
        rows = await cursor.fetchall()
    return {int(t): datetime.fromisoformat(str(r)).replace(tzinfo=UTC).timestamp()
            for t, r in rows if int(t) in wanted}


async def latency_run(base: str, rate: float, seconds: float, recorded: Any) -> dict[str, Any]:
    token = await signup(base)
    sent = await open_loop(base, token, rate, seconds)
    ok = [s for s in sent if s.task_id is not None]
    ids = [s.task_id for s in ok if s.task_id is not None]
    deadline = time.time() + 60
    stamps: dict[int, float] = {}
    while time.time() < deadline:
        stamps = await recorded(ids)
        if len(stamps) == len(ids):
            break
        await asyncio.sleep(0.5)
    api_ms = [(s.done - s.intended) * 1000 for s in sent]
    event_ms = [(stamps[s.task_id] - s.done) * 1000 for s in ok if s.task_id in stamps]
    return {
        "rate": rate, "requests": len(sent), "errors": len(sent) - len(ok),
        "events_missing": len(ids) - len(stamps),
        "api_p50": pct(api_ms, 50), "api_p95": pct(api_ms, 95), "api_p99": pct(api_ms, 99),
        "event_p50": pct(event_ms, 50), "event_p95": pct(event_ms, 95),
        "event_p99": pct(event_ms, 99), "event_max": max(event_ms, default=float("nan")),
    }


async def relay_throughput(stack: Stack, count: int) -> dict[str, Any]:
    payload = {"event_id": "", "bench": True, "pad": "x" * 300}
    conn = await asyncpg.connect(stack.database_url.replace("postgresql+asyncpg", "postgresql"))
    topic = "bench.relay"
    try:
        started = time.time()
        await conn.executemany(
            "INSERT INTO outbox (topic, key, payload, created_at, attempts) "
            "VALUES ($1, $2, $3::jsonb, now(), 0)",
            [(topic, str(i % 64), json.dumps({**payload, "event_id": str(uuid.uuid4())}))
             for i in range(count)],
        )
        await conn.execute("NOTIFY todo_outbox")
        inserted = time.time()
        while True:
            left = await conn.fetchval(
                "SELECT count(*) FROM outbox WHERE topic=$1 AND sent_at IS NULL", topic)
            if left == 0:
                break
            await asyncio.sleep(0.05)
        done = time.time()
        await conn.execute("DELETE FROM outbox WHERE topic=$1", topic)
    finally:
        await conn.close()
    relay_rate = count / (done - inserted)

    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": stack.kafka_bootstrap, "linger.ms": 5})
    body = json.dumps(payload).encode()
    t0 = time.time()
    for i in range(count):
        producer.produce(topic + ".raw", value=body, key=str(i % 64))
        producer.poll(0)
    producer.flush(60)
    raw_rate = count / (time.time() - t0)
    return {"count": count, "insert_s": inserted - started, "relay_eps": relay_rate,
            "raw_kafka_eps": raw_rate}


async def consumer_throughput(stack: Stack, count: int) -> dict[str, Any]:
    from todo.domain.events import EventType, task_changed
    from todo.domain.tasks import Task

    now = datetime.now(UTC)
    base_id = 10**12  # far above any real task id
    rows = []
    for i in range(count):
        task = Task(user_id=1, title=f"consumer bench {i}", created_at=now, updated_at=now,
                    id=base_id + i)
        event = task_changed(task, EventType.created, now)[0]  # the task-events message
        rows.append((event.topic, event.key, json.dumps(event.payload)))
    conn = await asyncpg.connect(stack.database_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        await conn.executemany(
            "INSERT INTO outbox (topic, key, payload, created_at, attempts) "
            "VALUES ($1, $2, $3::jsonb, now(), 0)", rows)
        await conn.execute("NOTIFY todo_outbox")
        started = time.time()
        published = None
        while True:
            if published is None and not await conn.fetchval(
                    "SELECT count(*) FROM outbox WHERE (payload->>'task_id')::bigint >= $1 "
                    "AND sent_at IS NULL",
                    base_id):
                published = time.time()
            stored = await conn.fetchval(
                "SELECT count(*) FROM event_store WHERE task_id >= $1", base_id)
            if stored >= count:
                break
            if time.time() - started > 600:
                raise RuntimeError(f"audit stored {stored} of {count} events in 10 minutes")
            await asyncio.sleep(0.1)
        done = time.time()
    finally:
        await conn.close()
    return {"count": count, "published_s": (published or done) - started,
            "processed_s": done - started, "processed_eps": count / (done - started)}


def table(title: str, rows: list[dict[str, Any]]) -> str:
    out = [f"### {title}", "",
           "| rate/s | requests | errors | API p50 | API p95 | API p99 | event p50 | event p95 "
           "| event p99 | event max | events missing |",
           "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        out.append(
            f"| {r['rate']:g} | {r['requests']} | {r['errors']} | {r['api_p50']:.1f} ms "
            f"| {r['api_p95']:.1f} ms | {r['api_p99']:.1f} ms | {r['event_p50']:.1f} ms "
            f"| {r['event_p95']:.1f} ms | {r['event_p99']:.1f} ms | {r['event_max']:.1f} ms "
            f"| {r['events_missing']} |")
    return "\n".join(out)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rates", default="25,50,100")
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--relay-count", type=int, default=10000)
    parser.add_argument("--consumer-count", type=int, default=5000)
    parser.add_argument("--skip-embedded", action="store_true")
    args = parser.parse_args()
    rates = [float(r) for r in args.rates.split(",")]
    report: list[str] = [f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} "
                         f"cores; {args.seconds:g} s per rate.", ""]

    if not args.skip_embedded:
        say("== embedded reference (SQLite, in-process events)")
        with tempfile.TemporaryDirectory() as tmp:
            db = f"{tmp}/bench.db"
            with running_server(f"sqlite+aiosqlite:///{db}", Path(tmp) / "server.log",
                                TODO_LOG_LEVEL="WARNING",
                                TODO_LOGIN_ACCOUNT_RATE="1000/minute") as base:
                rows = []
                for rate in rates:
                    say(f"   rate {rate:g}/s")
                    rows.append(await latency_run(
                        base, rate, args.seconds, lambda ids: recorded_at_sqlite(db, ids)))
        report.append(table("Embedded (reference): API and in-process event latency", rows))
        report.append("")

    say("== stack (PostgreSQL, Kafka, Dapr sidecars): starting it")
    config = StackConfig.for_tests(say=say, extra_env={"TODO_LOG_LEVEL": "WARNING"})
    async with Stack(config) as stack:
        rows = []
        for rate in rates:
            say(f"   rate {rate:g}/s")
            rows.append(await latency_run(
                stack.api_url, rate, args.seconds,
                lambda ids: recorded_at_pg(stack.database_url, ids)))
        report.append(table("Stack: API latency and event latency (API response → audit "
                            "handled, through Dapr and Kafka)", rows))
        report.append("")
        say(f"== relay throughput: {args.relay_count} outbox rows")
        relay = await relay_throughput(stack, args.relay_count)
        report.append("### Relay throughput (outbox → daprd bulk publish → Kafka)")
        report.append("")
        report.append("| rows | relay (events/s) | reference: confluent-kafka straight to the "
                      "broker (events/s) |")
        report.append("|---|---|---|")
        report.append(f"| {relay['count']} | {relay['relay_eps']:.0f} | "
                      f"{relay['raw_kafka_eps']:.0f} |")
        report.append("")
        say(f"== consumer throughput: {args.consumer_count} task-events")
        consumed = await consumer_throughput(stack, args.consumer_count)
        report.append("### Consumer throughput (task-events → audit, recurrence, reminders)")
        report.append("")
        report.append("| events | all published after | audit stored all after "
                      "| events/s processed per consumer |")
        report.append("|---|---|---|---|")
        report.append(f"| {consumed['count']} | {consumed['published_s']:.1f} s "
                      f"| {consumed['processed_s']:.1f} s | {consumed['processed_eps']:.0f} |")
    print("\n".join(report))


if __name__ == "__main__":
    asyncio.run(main())
