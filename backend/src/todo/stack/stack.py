"""The local stack: PostgreSQL, Kafka, the Dapr scheduler and every app with its daprd.

async with Stack(StackConfig.for_tests()) as stack:
    stack.api_url, stack.kafka_bootstrap, stack.daprd_http["reminders"], ...
    await stack.stop_service("reminders"); await stack.start_service("reminders")
    await stack.stop_kafka(); await stack.start_kafka()
"""

from __future__ import annotations

import asyncio
import json
import secrets
import shutil
import tempfile
import time
from collections.abc import Awaitable
from pathlib import Path
from typing import TypeVar

import httpx

from todo.stack.apps import (
    Instance,
    build_instance,
    child_env,
    start_daprd,
    start_instance,
    stop_instance,
)
from todo.stack.config import Ports, StackConfig, allocate
from todo.stack.dapr import DaprFiles, Expectation, consumer_expectations, render, scheduler_proc
from todo.stack.errors import StackError
from todo.stack.kafka import KafkaBroker
from todo.stack.kafka_admin import Group
from todo.stack.paths import templates_dir, todo_executable
from todo.stack.postgres import PrivatePostgres, asyncpg_url, create_database, libpq_dsn
from todo.stack.procs import Proc, http_ok, probe_client, rss_mb
from todo.stack.prometheus import prometheus_proc, write_config
from todo.stack.tools import Tools, ensure_tools, run_tool
from todo.stack.zipkin import zipkin_proc

T = TypeVar("T")


class Stack:
    def __init__(self, config: StackConfig | None = None) -> None:
        self.config = config or StackConfig()
        self.say = self.config.say
        self.timings: dict[str, float] = {}
        self.instances: dict[str, Instance] = {}
        self.postgres: PrivatePostgres | None = None
        self.kafka: KafkaBroker | None = None
        self.scheduler: Proc | None = None
        self.zipkin: Proc | None = None
        self.zipkin_url: str | None = None
        self.prometheus: Proc | None = None
        self.prometheus_url: str | None = None
        self._client = probe_client()
        self._daprd_lock = asyncio.Lock()
        self._owns_run_dir = self.config.run_dir is None
        self.run_dir = Path(self.config.run_dir or tempfile.mkdtemp(prefix="todo-stack-"))
        self.logs_dir = self.run_dir / "logs"
        self.ports: Ports
        self.tools: Tools
        self.files: DaprFiles
        self.database_url = ""
        # The same pair for every app-id, like the chart's two Secrets (the apps refuse Dapr's
        # calls without APP_API_TOKEN), and one JWT key for the api and the realtime gateways.
        self.tokens: dict[str, str] = {
            "DAPR_API_TOKEN": secrets.token_urlsafe(32),
            "APP_API_TOKEN": secrets.token_urlsafe(32),
        }
        self.jwt_secret = secrets.token_urlsafe(48)

    # -- addresses ------------------------------------------------------------------------------
    @property
    def api_url(self) -> str:
        return next(i.app_url for i in self.instances.values() if i.service.public)

    @property
    def kafka_bootstrap(self) -> str:
        return f"127.0.0.1:{self.ports.kafka}"

    @property
    def daprd_http(self) -> dict[str, int]:
        """Instance name (app-id, or realtime-0, realtime-1, ...) -> its daprd's HTTP port."""
        return {name: inst.dapr.http for name, inst in self.instances.items()}

    def instance_names(self, name: str) -> list[str]:
        """An app-id names all its instances; an instance name names itself."""
        if name in self.instances:
            return [name]
        found = [n for n, i in self.instances.items() if i.service.app_id == name]
        if not found:
            raise KeyError(f"no service or instance {name!r}; known: {', '.join(self.instances)}")
        return found

    def dapr_url(self, name: str) -> str:
        return self.instances[self.instance_names(name)[0]].dapr_url

    def app_url(self, name: str) -> str:
        return self.instances[self.instance_names(name)[0]].app_url

    def log(self, name: str) -> Path:
        return self.logs_dir / f"{name}.log"

    @property
    def realtime_urls(self) -> list[str]:
        return [f"ws://127.0.0.1:{p}" for n, p in self._app_ports() if n == "realtime"]

    def _app_ports(self) -> list[tuple[str, int]]:
        return [(i.service.app_id, i.app_port) for i in self.instances.values()]

    # -- start ------------------------------------------------------------------------------
    async def __aenter__(self) -> Stack:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        t0 = time.monotonic()
        try:
            await self._start()
        except StackError as e:
            await self._stop_processes()  # the run dir stays: its logs say what went wrong
            e.args = (f"{e}\n(the run dir is kept for its logs: {self.run_dir})",)
            raise
        except BaseException:  # Ctrl-C or a bug: clean up as a normal stop would
            await self.stop()
            raise
        self.timings["total"] = time.monotonic() - t0
        self.say(f"[stack] ready in {self.timings['total']:.1f}s; run dir {self.run_dir}")

    async def _step(self, what: str, coro: Awaitable[T]) -> T:
        t0 = time.monotonic()
        result = await coro
        self.timings[what] = time.monotonic() - t0
        self.say(f"[stack] {what}: {self.timings[what]:.1f}s")
        return result

    async def _start(self) -> None:
        self.config.check()
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.run_dir.chmod(0o711)  # the postgres user (when we are root) must traverse it
        self.logs_dir.mkdir(exist_ok=True)
        todo_executable()  # fail early with a hint if the backend venv is missing
        self.say(f"[stack] run dir {self.run_dir}")
        self.tools = await self._step(
            "tools", ensure_tools(self.say, need_postgres=self.config.database_url is None)
        )
        table = self.config.service_table()
        order = [(n, s) for s in table for n in s.instance_names()]
        self.ports = allocate(self.config, [(n, s.public) for n, s in order])

        if self.config.database_url is None:
            assert self.tools.pg_bin is not None
            self.postgres = PrivatePostgres(
                self.tools.pg_bin,
                self.run_dir / "postgres",
                self.ports.postgres,
                self.log("postgres"),
                durable=not self.config.fast_postgres,
            )
            self.database_url = self.postgres.url()
        else:
            self.database_url = asyncpg_url(self.config.database_url)
        self.kafka = KafkaBroker(
            self.tools.kafka_libs,
            self.run_dir / "kafka",
            self.ports.kafka,
            self.ports.kafka_controller,
            self.log("kafka"),
        )
        if self.config.zipkin:
            await self._step("zipkin", self._start_zipkin())
        self.files = self._render()
        self.scheduler = scheduler_proc(
            self.tools.dapr_bin, self.run_dir, self.ports, self.log("scheduler")
        )
        await asyncio.gather(
            self._step("postgres + migrations", self._start_database()),
            self._step("kafka + topics", self._start_kafka_first()),
            self._step("dapr scheduler", self._start_scheduler()),
        )
        realtime_urls = [
            f"ws://127.0.0.1:{self.ports.apps[n]}" for n, s in order if s.app_id == "realtime"
        ]
        for name, svc in order:
            self.instances[name] = build_instance(
                self.config,
                name=name,
                service=svc,
                app_port=self.ports.apps[name],
                dapr=self.ports.daprd[name],
                dapr_bin=self.tools.dapr_bin,
                files=self.files,
                scheduler_port=self.ports.scheduler,
                database_url=self.database_url,
                realtime_urls=realtime_urls,
                run_dir=self.run_dir,
                tokens=self.tokens,
                jwt_secret=self.jwt_secret,
            )
        await self._step("apps + daprd", self._start_instances(list(self.instances.values())))
        if self.config.prometheus:
            await self._step("prometheus", self._start_prometheus())
        await self._step("consumer groups joined", self.wait_for_consumers())

    def _render(self) -> DaprFiles:
        out = self.run_dir / "dapr"
        out.mkdir(exist_ok=True)
        store = out / "secrets.json"
        store.write_text(json.dumps({"pg-connection": libpq_dsn(self.database_url)}))
        store.chmod(0o600)
        if self.tokens:
            # For a person at the shell: `. <run dir>/dapr/tokens.env` then
            # curl -H "dapr-api-token: $DAPR_API_TOKEN" 127.0.0.1:3500/v1.0/metadata
            env_file = out / "tokens.env"
            env_file.write_text("".join(f"{k}={v}\n" for k, v in self.tokens.items()))
            env_file.chmod(0o600)
        values = {
            "KAFKA_BROKERS": f"127.0.0.1:{self.ports.kafka}",
            "SECRETS_FILE": str(store),
            "NAME_RESOLUTION_DB": str(out / "nameresolution.db"),
            "SWEEP_SCHEDULE": self.config.sweep_schedule,
            "ZIPKIN_ENDPOINT": self.config.zipkin_endpoint or "",
        }
        return render(templates_dir(), out, values)

    async def _start_database(self) -> None:
        if self.postgres is not None:
            await self.postgres.start()
            await create_database(self.postgres.url("postgres"))
        migrate = Proc(
            "migrate",
            [str(todo_executable()), "migrate"],
            log=self.log("migrate"),
            env=child_env() | {"DATABASE_URL": self.database_url, "TODO_LOG_JSON": "false"},
            cwd=self.run_dir,
        )
        await migrate.start()
        code = await migrate.wait()
        if code != 0:
            raise migrate.error(
                f"`todo migrate` failed (exit {code})",
                hint=f"DATABASE_URL={self.database_url} todo migrate   (to retry by hand)",
            )

    async def _start_kafka_first(self) -> None:
        assert self.kafka is not None
        await self.kafka.format()
        await self.kafka.start(within=self.config.ready_timeout)
        await self.kafka.create_topics()

    async def _start_zipkin(self) -> None:
        home = await run_tool("zipkin", self.say)
        self.zipkin = zipkin_proc(home, self.ports.zipkin, self.log("zipkin"))
        await self.zipkin.start()
        url = f"http://127.0.0.1:{self.ports.zipkin}"
        await self.zipkin.wait_until(
            http_ok(self._client, f"{url}/health", (200,)), what="zipkin /health", within=90
        )
        self.zipkin_url = url
        # Sidecars (Dapr's Configuration) and apps (OpenTelemetry) send their spans here.
        self.config.zipkin_endpoint = f"{url}/api/v2/spans"
        self.config.extra_env |= {
            "TODO_TRACING": "zipkin",
            "TODO_ZIPKIN_ENDPOINT": self.config.zipkin_endpoint,
        }

    async def _start_prometheus(self) -> None:
        bin_dir = await run_tool("prometheus", self.say)
        root = self.run_dir / "prometheus"
        root.mkdir(exist_ok=True)
        config = write_config(
            root / "prometheus.yml", list(self.instances.values()), self.ports.scheduler_metrics
        )
        self.prometheus = prometheus_proc(
            bin_dir, config, root / "data", self.ports.prometheus, self.log("prometheus")
        )
        await self.prometheus.start()
        url = f"http://127.0.0.1:{self.ports.prometheus}"
        await self.prometheus.wait_until(
            http_ok(self._client, f"{url}/-/ready", (200,)), what="prometheus ready", within=60
        )
        self.prometheus_url = url

    async def _start_scheduler(self) -> None:
        assert self.scheduler is not None
        await self.scheduler.start()
        url = f"http://127.0.0.1:{self.ports.scheduler_healthz}/healthz"
        await self.scheduler.wait_until(
            http_ok(self._client, url, (200,)), what=f"GET {url} answered 200", within=60
        )

    async def _jobs_work_again(self) -> None:
        """Until a sidecar can schedule a job again: after a scheduler restart each daprd
        reconnects on its own backoff, and a reminder scheduled meanwhile fails (and is retried).
        Probed through the reminders' sidecar, the one that schedules them."""
        assert self.scheduler is not None
        inst = next((i for i in self.instances.values() if i.service.app_id == "reminders"), None)
        if inst is None or not inst.daprd.running:
            return
        url = f"{inst.dapr_url}/v1.0/jobs/stack-probe"
        headers = {"dapr-api-token": self.tokens["DAPR_API_TOKEN"]}

        async def schedules() -> bool:
            try:
                made = await self._client.post(url, json={"dueTime": "1h"}, headers=headers)
                if made.status_code // 100 != 2:
                    return False
                return (await self._client.delete(url, headers=headers)).status_code // 100 == 2
            except httpx.HTTPError:
                return False

        await self.scheduler.wait_until(schedules, what="a sidecar scheduled a job", within=60)

    async def _start_instances(self, instances: list[Instance]) -> None:
        results = await asyncio.gather(
            *(
                start_instance(i, self._client, self._daprd_lock, self.config.ready_timeout)
                for i in instances
            ),
            return_exceptions=True,
        )
        for result in results:
            if isinstance(result, BaseException):
                raise result
            for name, took in result.items():
                self.timings[f"ready {name}"] = took

    # -- consumer groups ------------------------------------------------------------------------
    def _running(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for inst in self.instances.values():
            if inst.daprd.running:
                counts[inst.service.app_id] = counts.get(inst.service.app_id, 0) + 1
        return counts

    async def wait_for_consumers(
        self, app_ids: set[str] | None = None, within: float | None = None
    ) -> None:
        """Until Kafka shows every running subscriber's consumer group STABLE with its topics
        assigned: only then can an event published now reach every subscriber."""
        assert self.kafka is not None
        expected = consumer_expectations(self.files.resources, self._running())
        named = {e.group for e in expected if e.group}
        scoped = (
            expected
            if app_ids is None
            else [e for e in expected if e.group is None or e.group in app_ids]
        )
        deadline = time.monotonic() + (within or self.config.ready_timeout)
        missing: list[str] = []
        while time.monotonic() < deadline:
            groups = await self.kafka.admin.groups()
            missing = _unmet(scoped, groups, named)
            if not missing:
                return
            await asyncio.sleep(0.5)
        raise StackError(
            "consumer groups did not join: " + "; ".join(missing),
            process="kafka",
            log=self.log("kafka"),
            hint="look at the daprd logs of those app-ids for pubsub/Kafka errors: "
            + str(self.logs_dir),
        )

    # -- control for tests ------------------------------------------------------------------------
    async def stop_service(self, name: str) -> None:
        await asyncio.gather(*(stop_instance(self.instances[n]) for n in self.instance_names(name)))

    async def start_service(self, name: str) -> None:
        instances = [self.instances[n] for n in self.instance_names(name)]
        await self._start_instances(instances)
        await self.wait_for_consumers({i.service.app_id for i in instances})

    async def stop_kafka(self) -> None:
        assert self.kafka is not None
        await self.kafka.stop()

    async def start_kafka(self, *, wait_consumers: bool = True) -> None:
        """The same broker again (same data dir and ports); by default also waits until the
        sidecars' consumer groups have joined again."""
        assert self.kafka is not None
        await self.kafka.start(within=self.config.ready_timeout)
        if wait_consumers:
            await self.wait_for_consumers()

    async def restart_postgres(self) -> None:
        """Stop the private PostgreSQL and start it again (same data): every pooled connection
        of every app and sidecar breaks."""
        assert self.postgres is not None, "the stack uses an external database"
        await self.postgres.stop()
        await self.postgres.start()

    async def kill(self, target: str) -> None:
        """SIGKILL one part, as a crash would: "kafka", "scheduler", "postgres", an instance
        (its app and its daprd), "<instance>.app" or "<instance>.daprd". heal() restarts it."""
        name, _, part = target.partition(".")
        if name in ("kafka", "scheduler", "postgres"):
            procs = {
                "kafka": self.kafka.proc if self.kafka else None,
                "scheduler": self.scheduler,
                "postgres": self.postgres.proc if self.postgres else None,
            }
            proc = procs[name]
            assert proc is not None, f"the stack runs no {name}"
            await proc.kill()
            return
        for inst in (self.instances[n] for n in self.instance_names(name)):
            if part in ("", "daprd"):
                await inst.daprd.kill()
            if part in ("", "app"):
                await inst.app.kill()

    async def heal(self) -> list[str]:
        """Start again whatever is not running (PostgreSQL, Kafka, the scheduler, an app or its
        daprd); the names of what was restarted. After a fault, and for test isolation: a test
        that stopped something and failed before starting it again does not take the next
        tests down with it."""
        healed: list[str] = []
        if self.postgres is not None and not self.postgres.proc.running:
            await self.postgres.start()
            healed.append("postgres")
        if self.kafka is not None and not self.kafka.proc.running:
            await self.start_kafka(wait_consumers=False)
            healed.append("kafka")
        if self.scheduler is not None and not self.scheduler.running:
            await self._start_scheduler()
            await self._jobs_work_again()
            healed.append("scheduler")
        lone = [i for i in self.instances.values() if i.app.running and not i.daprd.running]
        for inst in lone:  # the app lives on: its sidecar alone comes back, as in a pod
            await start_daprd(inst, self._client, self._daprd_lock, self.config.ready_timeout)
            healed.append(inst.daprd.name)
        broken = [i for i in self.instances.values() if not (i.app.running and i.daprd.running)]
        for inst in broken:
            await stop_instance(inst)  # a lone daprd or app: restart the pair
        if broken:
            await self._start_instances(broken)
            healed += [i.name for i in broken]
        if healed:
            await self.wait_for_consumers()
        return healed

    # -- stop -------------------------------------------------------------------------------------
    async def _stop_processes(self) -> None:
        await asyncio.gather(
            *(stop_instance(i) for i in self.instances.values()), return_exceptions=True
        )
        if self.scheduler is not None:
            await self.scheduler.stop()
        if self.kafka is not None:
            await self.kafka.stop()
        if self.postgres is not None:
            await self.postgres.stop()
        if self.zipkin is not None:
            await self.zipkin.stop()
        if self.prometheus is not None:
            await self.prometheus.stop()
        await self._client.aclose()

    async def stop(self) -> None:
        try:
            await self._stop_processes()
        finally:
            if self._owns_run_dir and not self.config.keep:
                shutil.rmtree(self.run_dir, ignore_errors=True)

    # -- reporting --------------------------------------------------------------------------------
    def processes(self) -> list[Proc]:
        procs: list[Proc | None] = [
            self.postgres.proc if self.postgres else None,
            self.kafka.proc if self.kafka else None,
            self.scheduler,
            self.zipkin,
            self.prometheus,
        ]
        for inst in self.instances.values():
            procs += [inst.app, inst.daprd]
        return [p for p in procs if p is not None]

    def rss(self) -> dict[str, float]:
        """MB per running process (with its children)."""
        return {p.name: rss_mb(p.pid) for p in self.processes() if p.running}

    def exited(self) -> list[Proc]:
        """Processes that ended on their own (not stopped by us)."""
        return [p for p in self.processes() if p.returncode is not None and not p.stopping]


def _unmet(expected: list[Expectation], groups: dict[str, Group], named: set[str]) -> list[str]:
    missing = []
    for e in expected:
        if e.group is not None:
            g = groups.get(e.group)
            if g is None or g.state != "STABLE" or e.topic not in g.topics:
                state = "absent" if g is None else f"{g.state}, topics {sorted(g.topics)}"
                missing.append(f"group {e.group} on {e.topic} ({state})")
        else:
            n = sum(
                1
                for gid, g in groups.items()
                if gid not in named and g.state == "STABLE" and e.topic in g.topics
            )
            if n < e.count:
                missing.append(f"{e.count} per-instance groups on {e.topic} (have {n})")
    return missing
