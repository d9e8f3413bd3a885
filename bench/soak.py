"""Soak: the stack under a steady mixed load for a long time, sampled every minute.

  make soak                    # 30 minutes (SOAK_ARGS="--minutes 5" for a short one)

Open loop at a fixed rate (each request is sent when it is due, whatever the previous ones
do): creates (a quarter with a reminder 20 s ahead, an eighth recurring), list reads, task
reads, completes, deletes, over 20 users, 10 of them holding a WebSocket open. Every minute:
each process's RSS and open file descriptors (with its children), the outbox backlog and every
consumer group's lag on Kafka. Written to docs/reliability/soak.{json,md,png}.

Runs its own stack on free loopback ports (todo.stack), without Zipkin and Prometheus (their
own memory is not the product's), with a recording SMTP server.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import websockets
from confluent_kafka import Consumer, TopicPartition

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "backend"))

from tests.support.api import User, signup  # noqa: E402
from tests.support.smtp import smtp_server  # noqa: E402
from todo.stack import Stack, StackConfig  # noqa: E402

OUT = HERE.parent / "docs" / "reliability"
# The load's mix, repeatable from run to run; nothing secret depends on it.
RNG = random.Random(7)  # noqa: S311


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def open_fds(pid: int | None) -> int:
    if pid is None:
        return 0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    total = 0
    for p in pids:
        with contextlib.suppress(OSError):
            total += len(os.listdir(f"/proc/{p}/fd"))
    return total


def consumer_lag(bootstrap: str, groups: list[str]) -> dict[str, int]:
    """Per consumer group: messages on its topics not yet committed."""
    lags: dict[str, int] = {}
    for group in groups:
        consumer = Consumer(
            {"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False}
        )
        try:
            topics = consumer.list_topics(timeout=10).topics
            wanted = [
                TopicPartition(t, p)
                for t in ("task-events", "reminders", "task-updates")
                if t in topics
                for p in topics[t].partitions
            ]
            lag = 0
            for tp in consumer.committed(wanted, timeout=10):
                if tp.offset < 0:
                    continue  # the group does not read this topic
                high = consumer.get_watermark_offsets(tp, timeout=10)[1]
                lag += max(0, high - tp.offset)
            lags[group] = lag
        finally:
            consumer.close()
    return lags


class Load:
    def __init__(self, http: httpx.AsyncClient, users: list[User], rate: float) -> None:
        self.http = http
        self.users = users
        self.rate = rate
        self.ok = 0
        self.errors: list[str] = []
        self.latencies: list[float] = []
        self.tasks: dict[int, list[int]] = {u.id: [] for u in users}

    async def one(self, n: int) -> None:
        user = self.users[n % len(self.users)]
        mine = self.tasks[user.id]
        roll = RNG.random()
        now = datetime.now(UTC)
        if roll < 0.45 or not mine:
            body: dict[str, Any] = {"title": f"soak {n}", "tags": ["soak"]}
            if n % 4 == 0:
                body["remind_at"] = (now + timedelta(seconds=20)).isoformat()
            if n % 8 == 0:  # after its reminder, which is 20 s ahead
                body["due_at"] = (now + timedelta(hours=1)).isoformat()
                body["recurrence"] = "FREQ=DAILY"
            method, url = "POST", "/api/tasks"
        elif roll < 0.70:
            method, url, body = "GET", "/api/tasks?sort=-created_at&page_size=20", None
        elif roll < 0.85:
            method, url, body = "GET", f"/api/tasks/{RNG.choice(mine)}", None
        elif roll < 0.95:
            method, url, body = "POST", f"/api/tasks/{mine.pop(0)}/complete", None
        else:
            method, url, body = "DELETE", f"/api/tasks/{mine.pop()}", None
        started = time.monotonic()
        try:
            response = await self.http.request(method, url, json=body, headers=user.headers)
        except httpx.HTTPError as exc:
            self.errors.append(f"{method} {url}: {type(exc).__name__}")
            return
        self.latencies.append(time.monotonic() - started)
        if response.status_code >= 400 and response.status_code != 404:
            self.errors.append(f"{method} {url}: {response.status_code}")
            return
        self.ok += 1
        if method == "POST" and url == "/api/tasks":
            mine.append(int(response.json()["id"]))

    async def run(self, seconds: float) -> None:
        start = time.monotonic()
        pending: set[asyncio.Task[None]] = set()
        n = 0
        while time.monotonic() - start < seconds:
            due = start + n / self.rate
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            task = asyncio.create_task(self.one(n))
            pending.add(task)
            task.add_done_callback(pending.discard)
            n += 1
        await asyncio.gather(*pending)


async def hold_socket(url: str, user: User, received: list[int]) -> None:
    while True:
        try:
            async with websockets.connect(url) as ws:
                await ws.send(json.dumps({"action": "auth", "token": user.token}))
                async for _ in ws:
                    received[0] += 1
        except (OSError, websockets.WebSocketException):
            await asyncio.sleep(1)


async def sample(stack: Stack, started: float, ws_received: list[int]) -> dict[str, Any]:
    conn = await asyncpg.connect(stack.database_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        pending = await conn.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
        oldest = await conn.fetchval(
            "SELECT extract(epoch FROM now() - min(created_at)) FROM outbox WHERE sent_at IS NULL"
        )
    finally:
        await conn.close()
    groups = sorted({i.service.app_id for i in stack.instances.values()} - {"api", "realtime"})
    return {
        "minute": round((time.monotonic() - started) / 60, 2),
        "rss_mb": stack.rss(),
        "fds": {p.name: open_fds(p.pid) for p in stack.processes() if p.running},
        "outbox_pending": int(pending),
        "outbox_oldest_s": float(oldest or 0),
        "consumer_lag": await asyncio.to_thread(consumer_lag, stack.kafka_bootstrap, groups),
        "ws_messages": ws_received[0],
    }


def growth(samples: list[dict[str, Any]], warmup: float) -> dict[str, float]:
    """RSS growth per process from the first sample after warm-up to the last, in %."""
    after = [s for s in samples if s["minute"] >= warmup] or samples
    first, last = after[0]["rss_mb"], after[-1]["rss_mb"]
    return {
        name: round(100 * (last[name] - first[name]) / first[name], 1)
        for name in first
        if name in last and first[name] > 0
    }


def write(samples: list[dict[str, Any]], summary: dict[str, Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "soak.json").write_text(
        json.dumps({"summary": summary, "samples": samples}, indent=1) + "\n"
    )
    minutes = [s["minute"] for s in samples]
    fig, (rss, lag) = plt.subplots(2, 1, figsize=(10, 8), sharex=True)
    for name in sorted(samples[0]["rss_mb"]):
        if any(name in s["rss_mb"] for s in samples):
            rss.plot(minutes, [s["rss_mb"].get(name, float("nan")) for s in samples], label=name)
    rss.set_ylabel("RSS (MB)")
    rss.set_title(f"soak: {summary['rate']}/s mixed load, {summary['minutes']} min")
    rss.legend(fontsize=7, ncol=3)
    lag.plot(minutes, [s["outbox_pending"] for s in samples], label="outbox pending")
    for group in sorted(samples[0]["consumer_lag"]):
        lag.plot(minutes, [s["consumer_lag"].get(group, 0) for s in samples], label=f"lag {group}")
    lag.set_xlabel("minute")
    lag.set_ylabel("messages")
    lag.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(OUT / "soak.png", dpi=90)
    last = samples[-1]
    lines = [
        f"Command: `make soak` ({summary['minutes']} min at {summary['rate']} requests/s, "
        f"warm-up {summary['warmup']} min), {summary['when']}.",
        "",
        f"Requests: {summary['ok']} answered, {summary['errors']} errors; "
        f"p50 {summary['p50_ms']} ms, p99 {summary['p99_ms']} ms. "
        f"WebSocket messages received: {last['ws_messages']}.",
        "",
        "| process | RSS after warm-up (MB) | RSS at the end (MB) | growth | fds at the end |",
        "|---|---|---|---|---|",
    ]
    after = next(s for s in samples if s["minute"] >= summary["warmup"])
    for name in sorted(last["rss_mb"]):
        lines.append(
            f"| {name} | {after['rss_mb'].get(name, 0):.0f} | {last['rss_mb'][name]:.0f} "
            f"| {summary['growth_pct'].get(name, 0):+.1f} % | {last['fds'].get(name, 0)} |"
        )
    lines += [
        "",
        "| minute | outbox pending | "
        + " | ".join(f"lag {g}" for g in sorted(last["consumer_lag"]))
        + " |",
        "|---|---|" + "---|" * len(last["consumer_lag"]),
    ]
    for s in samples:
        lags = " | ".join(str(s["consumer_lag"].get(g, 0)) for g in sorted(last["consumer_lag"]))
        lines.append(f"| {s['minute']:.0f} | {s['outbox_pending']} | {lags} |")
    (OUT / "soak.md").write_text("\n".join(lines) + "\n")


async def main(minutes: float, rate: float, warmup: float) -> int:
    with smtp_server() as inbox:
        config = StackConfig.for_tests(
            say=say, zipkin=False, prometheus=False, smtp_host=inbox.host, smtp_port=inbox.port
        )
        stack = Stack(config)
        await stack.start()
        try:
            limits = httpx.Limits(max_connections=50)
            async with httpx.AsyncClient(
                base_url=stack.api_url, timeout=30, limits=limits, trust_env=False
            ) as http:
                users = [await signup(http) for _ in range(20)]
                received = [0]
                ws_url = stack.api_url.replace("http", "ws", 1) + "/ws"
                sockets = [
                    asyncio.create_task(hold_socket(ws_url, u, received)) for u in users[:10]
                ]
                load = Load(http, users, rate)
                started = time.monotonic()
                runner = asyncio.create_task(load.run(minutes * 60))
                samples = [await sample(stack, started, received)]
                while not runner.done():
                    await asyncio.wait({runner}, timeout=60)
                    samples.append(await sample(stack, started, received))
                    s = samples[-1]
                    say(
                        f"soak {s['minute']:.1f} min: {load.ok} ok, {len(load.errors)} errors, "
                        f"outbox {s['outbox_pending']}, lag {s['consumer_lag']}, "
                        f"api {s['rss_mb'].get('api', 0):.0f} MB"
                    )
                await runner
                for task in sockets:
                    task.cancel()
        finally:
            await stack.stop()
    ordered = sorted(load.latencies)
    summary = {
        "minutes": minutes,
        "rate": rate,
        "warmup": warmup,
        "when": datetime.now(UTC).strftime("%Y-%m-%d"),
        "ok": load.ok,
        "errors": len(load.errors),
        "first_errors": load.errors[:10],
        "p50_ms": round(1000 * ordered[len(ordered) // 2], 1),
        "p99_ms": round(1000 * ordered[int(len(ordered) * 0.99)], 1),
        "growth_pct": growth(samples, warmup),
    }
    write(samples, summary)
    say(json.dumps(summary, indent=1))
    return 0 if not load.errors else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--rate", type=float, default=20, help="requests per second")
    parser.add_argument("--warmup", type=float, default=5, help="minutes before growth counts")
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.minutes, args.rate, args.warmup)))
