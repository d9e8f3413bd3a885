"""One app instance of the stack: its process and its own daprd sidecar."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from pathlib import Path

import httpx

from todo.stack.config import DaprdPorts, StackConfig
from todo.stack.dapr import DaprFiles, daprd_proc
from todo.stack.paths import python_executable, todo_executable
from todo.stack.procs import Proc, http_ok
from todo.stack.services import Service

LOOPBACK_NO_PROXY = "127.0.0.1,localhost,::1"


@dataclass
class Instance:
    name: str  # "api", "realtime-0", ...
    service: Service
    app_port: int
    dapr: DaprdPorts
    app: Proc
    daprd: Proc

    @property
    def app_url(self) -> str:
        return f"http://127.0.0.1:{self.app_port}"

    @property
    def dapr_url(self) -> str:
        return f"http://127.0.0.1:{self.dapr.http}"


def child_env() -> dict[str, str]:
    """The launcher's environment, minus anything that could send loopback traffic elsewhere."""
    env = dict(os.environ)
    no_proxy = env.get("NO_PROXY") or env.get("no_proxy") or ""
    env["NO_PROXY"] = env["no_proxy"] = ",".join(x for x in (no_proxy, LOOPBACK_NO_PROXY) if x)
    return env


def app_env(
    config: StackConfig,
    *,
    service: Service,
    dapr: DaprdPorts,
    database_url: str,
    realtime_urls: list[str],
    record: Path | None,
    tokens: dict[str, str],
    jwt_secret: str,
) -> dict[str, str]:
    env = child_env()
    env |= {
        "DATABASE_URL": database_url,
        "TODO_EVENTS": "dapr",
        "TODO_ENVIRONMENT": "development",
        "DAPR_HTTP_PORT": str(dapr.http),
        "DAPR_GRPC_PORT": str(dapr.grpc),
        "TODO_APP_ID": service.app_id,
        "TODO_SMTP_HOST": config.smtp_host,
        "TODO_SMTP_PORT": str(config.smtp_port),
        "TODO_LOG_JSON": "true",
        "TODO_JWT_SECRET": jwt_secret,
    }
    if service.public:
        env["TODO_REALTIME_URLS"] = ",".join(realtime_urls)
    if record is not None:
        env["TODO_STUB_RECORD"] = str(record)
    env |= tokens
    env |= config.extra_env
    return env


def build_instance(
    config: StackConfig,
    *,
    name: str,
    service: Service,
    app_port: int,
    dapr: DaprdPorts,
    dapr_bin: Path,
    files: DaprFiles,
    scheduler_port: int,
    database_url: str,
    realtime_urls: list[str],
    run_dir: Path,
    tokens: dict[str, str],
    jwt_secret: str,
) -> Instance:
    fill = {
        "todo": str(todo_executable()),
        "python": str(python_executable()),
        "app_port": str(app_port),
        "app_id": service.app_id,
    }
    argv = [part.format(**fill) for part in service.argv]
    stub = "todo.stack.stub" in argv
    record = run_dir / "stub" / f"{name}.jsonl" if stub else None
    if record is not None:
        record.parent.mkdir(exist_ok=True)
    logs = run_dir / "logs"
    app = Proc(
        name,
        argv,
        log=logs / f"{name}.log",
        env=app_env(
            config,
            service=service,
            dapr=dapr,
            database_url=database_url,
            realtime_urls=realtime_urls,
            record=record,
            tokens=tokens,
            jwt_secret=jwt_secret,
        ),
        cwd=run_dir,
        hint=f"run it by hand to see why: {' '.join(argv)} (with the env from the docs)",
    )
    daprd = daprd_proc(
        dapr_bin,
        name=name,
        app_id=service.app_id,
        app_port=app_port,
        ports=dapr,
        files=files,
        scheduler_port=scheduler_port,
        log=logs / f"{name}.daprd.log",
    )
    daprd.env = child_env() | tokens
    return Instance(name, service, app_port, dapr, app, daprd)


async def start_instance(
    inst: Instance, client: httpx.AsyncClient, daprd_lock: asyncio.Lock, within: float
) -> dict[str, float]:
    """App first (daprd waits for the app port anyway), then its daprd. daprd starts one at a
    time: two sidecars creating the same Dapr state tables at once can race."""
    took: dict[str, float] = {}
    await inst.app.start()
    took[inst.name] = await inst.app.wait_until(
        http_ok(client, inst.app_url + inst.service.health_path, (200,)),
        what=f"GET {inst.service.health_path} answered 200 on port {inst.app_port}",
        within=within,
    )
    took[inst.daprd.name] = await start_daprd(inst, client, daprd_lock, within)
    if inst.service.ready_path:
        await inst.app.wait_until(
            http_ok(client, inst.app_url + inst.service.ready_path, (200,)),
            what=f"GET {inst.service.ready_path} answered 200",
            within=within,
        )
    return took


async def start_daprd(
    inst: Instance, client: httpx.AsyncClient, daprd_lock: asyncio.Lock, within: float
) -> float:
    async with daprd_lock:
        await inst.daprd.start()
        return await inst.daprd.wait_until(
            http_ok(client, inst.dapr_url + "/v1.0/healthz", (204,)),
            what=f"GET /v1.0/healthz answered 204 on port {inst.dapr.http}",
            within=within,
        )


async def stop_instance(inst: Instance) -> None:
    await inst.daprd.stop()
    await inst.app.stop()
