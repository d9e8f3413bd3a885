"""What a stack run looks like: StackConfig (what you ask for) and Ports (what it gets)."""

from __future__ import annotations

import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from todo.stack.errors import StackError
from todo.stack.procs import port_is_free
from todo.stack.services import Service, services

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


@dataclass
class StackConfig:
    run_dir: Path | None = None  # None: a fresh temp dir, removed at stop unless keep
    keep: bool = False
    fixed_ports: bool = True  # False: every port is a free one (tests)
    api_port: int | None = 8000  # None: 8000 with fixed ports, a free one otherwise
    kafka_port: int = 9092
    kafka_controller_port: int = 9093
    sweep_schedule: str = "@every 1m"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    realtime_replicas: int = 2
    fast_postgres: bool = False  # fsync=off etc. (tests: nothing to keep)
    database_url: str | None = None  # an existing PostgreSQL server instead of a private one
    zipkin_endpoint: str | None = None  # e.g. http://127.0.0.1:9411/api/v2/spans
    # Run a Zipkin server (in memory) and send every app's and sidecar's spans to it.
    zipkin: bool = False
    # Run a Prometheus server scraping every app and sidecar, with monitoring/'s rules.
    prometheus: bool = False
    stub: bool = False  # every app is todo.stack.stub (launcher self-test)
    table: tuple[Service, ...] | None = None  # overrides services()
    extra_env: dict[str, str] = field(default_factory=dict)  # added to every app's environment
    ready_timeout: float = 120.0
    say: Callable[[str], None] = _stderr

    @classmethod
    def for_tests(cls, **overrides: object) -> StackConfig:
        base: dict[str, object] = {
            "fixed_ports": False,
            "api_port": None,
            "sweep_schedule": "@every 5s",
            "fast_postgres": True,
            "say": lambda _line: None,
        }
        return cls(**{**base, **overrides})  # type: ignore[arg-type]

    def service_table(self) -> tuple[Service, ...]:
        if self.table is not None:
            return self.table
        return services(self.realtime_replicas, stub=self.stub)

    def check(self) -> None:
        """Everything of the stack talks to loopback only: refuse anything else."""
        for what, url in (("DATABASE_URL", self.database_url), ("zipkin", self.zipkin_endpoint)):
            host = urlsplit(url).hostname if url else None
            if url and host not in LOOPBACK_HOSTS:
                raise StackError(
                    f"{what} points at {host!r}; the local stack talks to 127.0.0.1 only",
                    hint=f"use a server on 127.0.0.1, or unset {what}",
                )
        if self.smtp_host not in LOOPBACK_HOSTS:
            raise StackError(f"SMTP host {self.smtp_host!r} is not loopback")
        if self.realtime_replicas < 1:
            raise StackError("realtime_replicas must be at least 1")


@dataclass(frozen=True)
class DaprdPorts:
    http: int
    grpc: int
    internal_grpc: int
    metrics: int


@dataclass
class Ports:
    postgres: int
    kafka: int
    kafka_controller: int
    scheduler: int
    scheduler_healthz: int
    scheduler_metrics: int
    etcd_client: int
    etcd_peer: int
    apps: dict[str, int]  # instance name -> app port
    daprd: dict[str, DaprdPorts]  # instance name -> its sidecar's ports
    zipkin: int = 9411
    prometheus: int = 9090

    def all(self) -> dict[str, int]:
        named = {
            "postgres": self.postgres,
            "kafka": self.kafka,
            "kafka controller": self.kafka_controller,
            "scheduler": self.scheduler,
            "scheduler healthz": self.scheduler_healthz,
            "scheduler metrics": self.scheduler_metrics,
            "scheduler etcd client": self.etcd_client,
            "scheduler etcd peer": self.etcd_peer,
            "zipkin": self.zipkin,
            "prometheus": self.prometheus,
        }
        for name, port in self.apps.items():
            named[f"{name} app"] = port
        for name, d in self.daprd.items():
            named |= {
                f"{name} daprd http": d.http,
                f"{name} daprd grpc": d.grpc,
                f"{name} daprd internal grpc": d.internal_grpc,
                f"{name} daprd metrics": d.metrics,
            }
        return named


class _Free:
    """Free loopback ports, never the same one twice in a run."""

    def __init__(self) -> None:
        self.taken: set[int] = set()

    def __call__(self) -> int:
        while True:
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = int(s.getsockname()[1])
            if port not in self.taken:
                self.taken.add(port)
                return port


def allocate(config: StackConfig, instances: list[tuple[str, bool]]) -> Ports:
    """instances: (name, public) in start order. Fixed layout for `make stack`:
    api = config.api_port (8000), other apps 8101+, daprd http 3500+i / grpc 50001+i / internal
    50501+i / metrics 9101+i, scheduler 51006 (etcd 51079/51080, healthz 51081, metrics 51082),
    PostgreSQL 55432, Kafka config.kafka_port / kafka_controller_port."""
    if not config.fixed_ports:
        free = _Free()
        if config.api_port:
            free.taken.add(config.api_port)
            if not port_is_free(config.api_port):
                raise StackError(
                    f"port {config.api_port} (the app) is already in use on 127.0.0.1",
                    hint="stop what holds it (ss -ltnp | grep :PORT) or choose another: PORT=...",
                )
        return Ports(
            postgres=free(),
            kafka=free(),
            kafka_controller=free(),
            scheduler=free(),
            scheduler_healthz=free(),
            scheduler_metrics=free(),
            etcd_client=free(),
            etcd_peer=free(),
            apps={
                n: config.api_port if public and config.api_port else free()
                for n, public in instances
            },
            daprd={n: DaprdPorts(free(), free(), free(), free()) for n, _ in instances},
            zipkin=free(),
            prometheus=free(),
        )
    apps: dict[str, int] = {}
    other = 8101
    for name, public in instances:
        if public:
            apps[name] = config.api_port or 8000
        else:
            apps[name] = other
            other += 1
    ports = Ports(
        postgres=55432,
        kafka=config.kafka_port,
        kafka_controller=config.kafka_controller_port,
        scheduler=51006,
        scheduler_healthz=51081,
        scheduler_metrics=51082,
        etcd_client=51079,
        etcd_peer=51080,
        apps=apps,
        # the api's sidecar gets Dapr's usual 3500 / 50001: `curl :3500/v1.0/...` acts as the api
        daprd={
            name: DaprdPorts(3500 + i, 50001 + i, 50501 + i, 9101 + i)
            for i, (name, _) in enumerate(sorted(instances, key=lambda x: not x[1]))
        },
    )
    check_fixed(ports)
    return ports


def check_fixed(ports: Ports) -> None:
    seen: dict[int, str] = {}
    for name, port in ports.all().items():
        if port in seen:
            raise StackError(f"port {port} is wanted by both {seen[port]} and {name}")
        seen[port] = name
    busy = [f"{port} ({name})" for name, port in ports.all().items() if not port_is_free(port)]
    if busy:
        raise StackError(
            "ports already in use on 127.0.0.1: " + ", ".join(busy),
            hint="see who holds them: ss -ltnp | grep -E ':(PORT) '; stop that (an old stack?), "
            "or start with free ports: python -m todo.stack --free-ports (PORT=... moves the api)",
        )
