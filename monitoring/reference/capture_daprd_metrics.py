"""Capture the metric names a real daprd (and the Dapr scheduler) expose, after real traffic.

    cd backend && uv run python ../monitoring/reference/capture_daprd_metrics.py \
        > ../monitoring/reference/daprd-1.18.2-metrics.txt

Starts the local stack (todo.stack on free ports: PostgreSQL, Kafka, the Dapr scheduler, every
service with its own daprd) and an SMTP sink, then drives what the dashboards look at: sign-up,
tasks with reminders (Jobs API, the job callbacks, the reminders topic, email), a recurring task
completed (service invocation recurrence -> api), history (api -> audit), an edit, a delete, and
one poison event published straight to task-events (the reminders consumer answers RETRY until
Resiliency gives up and daprd dead-letters it to task-events.dlq, so the retry/drop series
exist). Then it scrapes every sidecar's and the scheduler's /metrics and prints one line per
sample name:  <name> <type> <label names> <who exposed it>.

backend/tests/monitoring checks every dapr_* name used by a dashboard or rule against that file.
Progress goes to stderr. About 40 s on 2 cores with warm tool caches.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import httpx

from todo.stack import Stack, StackConfig
from todo.stack import smtp as smtp_sink

SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="')


def say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


async def traffic(stack: Stack) -> None:
    now = dt.datetime.now(dt.UTC)
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30, trust_env=False) as api:
        r = await api.post(
            "/api/auth/signup",
            json={"email": "metrics@example.com", "password": "a long enough password"},
        )
        r.raise_for_status()
        auth = {"Authorization": f"Bearer {r.json()['access_token']}"}
        ids = []
        for i in range(4):
            r = await api.post(
                "/api/tasks",
                headers=auth,
                json={
                    "title": f"reminder {i}",
                    "due_at": (now + dt.timedelta(minutes=5)).isoformat(),
                    "remind_at": (now + dt.timedelta(seconds=4 + i)).isoformat(),
                },
            )
            r.raise_for_status()
            ids.append(r.json()["id"])
        r = await api.post(
            "/api/tasks",
            headers=auth,
            json={
                "title": "daily",
                "due_at": (now + dt.timedelta(hours=1)).isoformat(),
                "recurrence": "FREQ=DAILY",
            },
        )
        r.raise_for_status()
        (await api.post(f"/api/tasks/{r.json()['id']}/complete", headers=auth)).raise_for_status()
        (await api.get(f"/api/tasks/{ids[0]}/history", headers=auth)).raise_for_status()
        (
            await api.patch(f"/api/tasks/{ids[1]}", headers=auth, json={"title": "x"})
        ).raise_for_status()
        (await api.delete(f"/api/tasks/{ids[2]}", headers=auth)).raise_for_status()
        await api.get("/api/tasks/999999", headers=auth)  # a 404
    # A poison event: no task_data, so the reminders consumer fails on it every time.
    token = {"dapr-api-token": stack.tokens["DAPR_API_TOKEN"]}  # the stack's sidecars want it
    async with httpx.AsyncClient(
        base_url=stack.dapr_url("api"), headers=token, timeout=30, trust_env=False
    ) as d:
        r = await d.post(
            "/v1.0/publish/pubsub/task-events",
            json={
                "event_id": "00000000-0000-4000-8000-000000000001",
                "event_type": "created",
                "task_id": 1,
                "user_id": 1,
                "timestamp": now.isoformat(),
                "version": 1,
            },
        )
        r.raise_for_status()
    say("[capture] traffic sent; waiting 25 s for reminders, sweeps, retries and the dead letter")
    await asyncio.sleep(25)


async def scrape(stack: Stack) -> dict[str, tuple[str, set[str], set[str]]]:
    targets = {f"daprd:{name}": d.metrics for name, d in stack.ports.daprd.items()}
    targets["scheduler"] = stack.ports.scheduler_metrics
    types: dict[str, str] = {}
    labels: dict[str, set[str]] = defaultdict(set)
    seen: dict[str, set[str]] = defaultdict(set)
    async with httpx.AsyncClient(timeout=10, trust_env=False) as http:
        for who, port in sorted(targets.items()):
            text = (await http.get(f"http://127.0.0.1:{port}/metrics")).text
            family_of: dict[str, str] = {}
            for line in text.splitlines():
                if line.startswith("# TYPE "):
                    _, _, family, kind = line.split(maxsplit=3)
                    types[family] = kind
                    family_of[family] = kind
                    continue
                m = SAMPLE.match(line)
                if not m:
                    continue
                name = m.group(1)
                seen[name].add(who.split("-")[0] if who.startswith("daprd:realtime") else who)
                labels[name].update(LABEL.findall(m.group(2) or ""))
    result = {}
    for name in seen:
        family = name
        for suffix in ("_bucket", "_sum", "_count", "_total", "_created"):
            if name not in types and name.endswith(suffix) and name[: -len(suffix)] in types:
                family = name[: -len(suffix)]
                break
        result[name] = (types.get(family, "untyped"), labels[name], seen[name])
    return result


async def main() -> int:
    config = StackConfig.for_tests(say=say, smtp_port=0)
    stack = Stack(config)
    with tempfile.TemporaryDirectory(prefix="todo-metrics-smtp-") as mail_dir:
        server = await smtp_sink.serve("127.0.0.1", 0, Path(mail_dir) / "smtp.log", say)
        config.smtp_port = server.sockets[0].getsockname()[1]
        try:
            async with stack:
                daprd = await asyncio.create_subprocess_exec(
                    str(stack.tools.dapr_bin / "daprd"), "--version", stdout=asyncio.subprocess.PIPE
                )
                version = (await daprd.communicate())[0].decode().strip()
                await traffic(stack)
                found = await scrape(stack)
        finally:
            server.close()
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    print(f"# Metrics exposed by daprd {version} and the Dapr scheduler, captured {stamp} from a")
    print("# real local stack (todo.stack) after sign-up, reminders, a recurring completion,")
    print("# history, an edit, a delete and one dead-lettered poison event. Produced by:")
    print("#   cd backend && uv run python ../monitoring/reference/capture_daprd_metrics.py \\")
    print(f"#       > ../monitoring/reference/daprd-{version}-metrics.txt")
    print("# Format: <sample name> <type> <label names, comma-separated> <exposed by>")
    print("# A series that only appears on some failure (e.g. a component that fails to init) is")
    print("# absent: dashboards and rules may use only names listed here.")
    for name in sorted(found):
        kind, names, who = found[name]
        print(f"{name} {kind} {','.join(sorted(names)) or '-'} {','.join(sorted(who))}")
    say(f"[capture] {len(found)} sample names from {len(stack.ports.daprd)} sidecars + scheduler")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
