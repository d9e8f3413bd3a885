"""Wires a process together from settings: engine, sessions, transport, relay, service ports.

The only place that chooses adapters. Embedded (TODO_EVENTS=inprocess): one process runs the
api and every subscriber, events go from the relay straight to the handlers. Stack
(TODO_EVENTS=dapr): the api's relay publishes through its sidecar, and each worker process runs
one role whose handlers Dapr calls.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from todo import compute
from todo.adapters import dapr as dapr_ports
from todo.adapters.inprocess import (
    AsyncioJobs,
    DbMarkers,
    LocalPublish,
    LocalTaskCommands,
)
from todo.adapters.mail import SmtpMailer
from todo.auth.authenticate import Authenticator
from todo.auth.keys import ensure_secrets
from todo.auth.throttle import LoginThrottle
from todo.messaging.dapr import DaprPublisher, Sidecar
from todo.messaging.inprocess import InProcessPublisher
from todo.messaging.ports import Publisher, Subscription
from todo.messaging.relay import Relay
from todo.observability import metrics, tracing
from todo.observability.logging import get_logger
from todo.services import audit, registry, reminders
from todo.services.context import Context
from todo.services.realtime import Hub
from todo.settings import EventTransport, Settings
from todo.storage.db import create_engine, session_factory
from todo.storage.uow import UnitOfWork

log = get_logger(__name__)


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    ctx: Context
    roles: tuple[str, ...]
    subscriptions: list[Subscription]
    hub: Hub
    login_throttle: LoginThrottle
    auth: Authenticator
    relay: Relay | None = None
    sidecar: Sidecar | None = None
    jobs: AsyncioJobs | None = None
    _tasks: list[asyncio.Task[Any]] = field(default_factory=list)

    @property
    def embedded(self) -> bool:
        return self.sidecar is None

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessions, on_commit=self.relay.wake if self.relay else None)

    async def history(self, user_id: int, task_id: int) -> list[dict[str, Any]]:
        if self.sidecar is not None and "audit" not in self.roles:
            return await dapr_ports.history_via_audit(self.sidecar, user_id, task_id)
        return await audit.task_history(self.ctx, user_id, task_id)

    def _spawn(self, coro: Any, name: str) -> None:
        self._tasks.append(asyncio.create_task(coro, name=name))

    async def start(self) -> None:
        if self.relay is not None:
            # The api works out recurrences (at input and for next occurrences).
            compute.start()
            self._spawn(self.relay.run(), "outbox-relay")
        if self.jobs is not None and "reminders" in self.roles:
            self._spawn(_sweep_forever(self.ctx), "reminder-sweep")

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        if self.jobs is not None:
            self.jobs.close()
        if self.sidecar is not None:
            await self.sidecar.close()
        await self.engine.dispose()


async def _sweep_forever(ctx: Context) -> None:
    """The embedded stand-in for the cron binding; the first sweep runs at start-up."""
    while True:
        try:
            await reminders.sweep(ctx)
        except Exception:
            log.exception("reminder sweep failed")
        await asyncio.sleep(ctx.settings.reminder_sweep_seconds)


def _role_label(settings: Settings, roles: tuple[str, ...], with_relay: bool) -> str:
    """todo_build_info's role: embedded (`make run`), api, or the worker's role."""
    if settings.events is EventTransport.inprocess and with_relay:
        return "embedded"
    return ",".join((("api",) if with_relay else ()) + roles)


def build(
    settings: Settings,
    roles: tuple[str, ...] | None = None,
    *,
    with_relay: bool = True,
    publisher: Publisher | None = None,
) -> Runtime:
    """A runtime for the api (`with_relay`) and/or the subscriber `roles`.

    Embedded mode defaults to every role in this process; the stack to none (the api alone).
    """
    settings = ensure_secrets(settings)
    # The api pings pooled connections before use; workers let Dapr retry (settings.py).
    engine = create_engine(settings, pre_ping=with_relay)
    tracing.instrument_engine(engine)
    sessions = session_factory(engine)
    hub = Hub()
    holder: dict[str, Any] = {}

    if settings.events is EventTransport.inprocess:
        roles = registry.ROLES if roles is None else roles
        jobs = AsyncioJobs()
        sidecar = None
        ctx = Context(
            settings=settings,
            sessions=sessions,
            tasks=LocalTaskCommands(lambda: holder["runtime"].uow()),
            publish=LocalPublish(lambda: holder["publisher"]),
            markers=DbMarkers(sessions),
            jobs=jobs,
            mailer=SmtpMailer(settings),
            push=hub.send,
        )
        subscriptions = registry.for_roles(roles)
        publisher = publisher or InProcessPublisher(subscriptions, ctx)
    else:
        roles = () if roles is None else roles
        jobs = None
        sidecar = Sidecar(settings)
        ctx = Context(
            settings=settings,
            sessions=sessions,
            tasks=dapr_ports.DaprTaskCommands(sidecar),
            publish=dapr_ports.DaprPublish(sidecar),
            markers=dapr_ports.DaprMarkers(sidecar),
            jobs=dapr_ports.DaprJobs(sidecar),
            mailer=SmtpMailer(settings),
            push=hub.send,
        )
        subscriptions = registry.for_roles(roles)
        publisher = publisher or DaprPublisher(sidecar)
    holder["publisher"] = publisher

    relay = None
    if with_relay:
        relay = Relay(
            sessions,
            publisher,
            batch_size=settings.relay_batch_size,
            poll_seconds=settings.relay_poll_seconds,
        )
    runtime = Runtime(
        settings=settings,
        engine=engine,
        sessions=sessions,
        ctx=ctx,
        roles=roles,
        subscriptions=subscriptions,
        hub=hub,
        login_throttle=LoginThrottle(settings, sessions),
        auth=Authenticator(settings, sessions),
        relay=relay,
        sidecar=sidecar,
        jobs=jobs,
    )
    holder["runtime"] = runtime
    metrics.declare(_role_label(settings, roles, with_relay), subscriptions, relay=with_relay)
    if jobs is not None:
        jobs.on_fire = lambda data: reminders.on_job(data, ctx)
    return runtime
