"""The outbox relay: publishes committed outbox rows, in order, and marks them sent.

A row is marked sent only after the transport accepted it, so a crash between the two
publishes it again (at-least-once); consumers are idempotent by event_id. On a failure the
relay stops at the failed row and retries it after a backoff, which keeps every task's events
in order. It wakes when a transaction commits (in this process, and on PostgreSQL through
LISTEN/NOTIFY from any process) and polls as a fallback.

With several api replicas on PostgreSQL each runs a relay, but only one drains at a time: a
transaction-scoped advisory lock elects it per batch, so rows are never published by two
relays at once and a task's events stay in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

import asyncpg
from prometheus_client import Gauge
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from todo.clock import utcnow
from todo.messaging.ports import Publisher
from todo.observability import metrics
from todo.observability.logging import get_logger
from todo.storage import outbox

log = get_logger(__name__)

_MAX_BACKOFF_SECONDS = 30.0
# How often an idle LISTEN connection is checked (a query) for a peer that died silently.
LISTEN_CHECK_SECONDS = 5.0
# The LISTEN connection's name in pg_stat_activity.
LISTEN_APPLICATION_NAME = "todo-relay-listen"


class Relay:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        publisher: Publisher,
        *,
        batch_size: int = 100,
        poll_seconds: float = 1.0,
        backlog_gauges: tuple[Gauge, Gauge] | None = None,
    ) -> None:
        self._sessions = sessions
        self._publisher = publisher
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._gauges_at = 0.0
        # (pending rows, oldest row's age); the process-wide metrics unless a caller needs its own.
        self._pending, self._oldest = backlog_gauges or (
            metrics.OUTBOX_PENDING,
            metrics.OUTBOX_OLDEST_AGE,
        )
        bind = sessions.kw.get("bind")
        self._dialect = bind.dialect.name if bind is not None else ""

    def wake(self) -> None:
        """Called after a commit that added outbox rows."""
        self._wake.set()

    async def drain_once(self) -> int:
        """Publish one batch of pending rows; return how many were published."""
        if not self._postgres:
            return await self._drain_batch()
        async with self._sessions() as guard, guard.begin():
            if not await outbox.try_lead(guard):
                return 0  # another replica's relay is draining
            return await self._drain_batch()

    @property
    def _postgres(self) -> bool:
        # SQLite is one process; and a transaction held there would lock out the handlers.
        return self._dialect == "postgresql"

    async def _drain_batch(self) -> int:
        async with self._sessions() as session:
            rows = await outbox.pending(session, self._batch_size)
        if not rows:
            return 0
        started = time.perf_counter()
        try:
            accepted = await self._publisher.publish_batch(rows)
        except Exception as exc:
            accepted = set()
            error = f"{type(exc).__name__}: {exc}"
        else:
            error = "the transport did not accept every message"
        metrics.RELAY_PUBLISH_LATENCY.observe(time.perf_counter() - started)
        sent = [row for row in rows if row.id in accepted]
        failed = next((row for row in rows if row.id not in accepted), None)
        async with self._sessions() as session, session.begin():
            await outbox.mark_sent(session, [row.id for row in sent], utcnow())
            if failed is not None:
                await outbox.mark_failed(session, failed.id, error)
        for row in sent:
            metrics.OUTBOX_PUBLISHED.labels(row.topic).inc()
        if failed is not None:
            metrics.OUTBOX_FAILURES.inc()
            raise PublishFailed(error)
        return len(sent)

    async def drain(self) -> int:
        """Publish until nothing is pending (tests and shutdown use this)."""
        total = 0
        while published := await self.drain_once():
            total += published
        return total

    async def run(self) -> None:
        listening = asyncio.create_task(self._keep_listening()) if self._postgres else None
        try:
            await self._loop()
        finally:
            if listening is not None:
                listening.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await listening

    async def _keep_listening(self) -> None:
        """LISTEN for commits of other processes, and LISTEN again whenever that connection is
        lost (a database restart or failover): without it another replica's commit waits for
        the next poll. While it is down the poll still finds every row."""
        retry = 1.0
        while True:
            conn = await self._listen()
            if conn is not None:
                self._wake.set()  # whatever was committed while nobody listened
                held_since = time.monotonic()
                try:
                    await self._hold(conn)
                except Exception as exc:  # never end the loop: polling alone is slower
                    log.warning("relay LISTEN failed", error=str(exc))
                log.warning("relay LISTEN connection lost; listening again")
                if time.monotonic() - held_since >= _MAX_BACKOFF_SECONDS:
                    retry = 1.0  # it worked for a while: try again at once
                    continue
            # No connection, or one that dropped at once (a proxy that accepts and closes):
            # back off instead of reconnecting at round-trip speed.
            await asyncio.sleep(retry)
            retry = min(retry * 2, _MAX_BACKOFF_SECONDS)

    async def _hold(self, conn: asyncpg.Connection) -> None:
        """Return once `conn` is lost (closed by the server, or failing a periodic check)."""
        lost = asyncio.Event()
        conn.add_termination_listener(lambda _conn: lost.set())
        try:
            while not lost.is_set():
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(LISTEN_CHECK_SECONDS):  # not wait_for: see _loop
                        await lost.wait()
                if not lost.is_set():
                    # A dead peer is not always noticed until the connection is used.
                    await asyncio.wait_for(conn.execute("SELECT 1"), timeout=5)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
            pass
        finally:
            with contextlib.suppress(Exception):
                await conn.close(timeout=2)

    async def _listen(self) -> asyncpg.Connection | None:
        """A connection LISTENing on the outbox channel, or None (logged) when unavailable."""
        bind = self._sessions.kw["bind"]
        url = bind.url.set(drivername="postgresql").render_as_string(hide_password=False)
        conn = None
        try:
            conn = await asyncpg.connect(
                url, server_settings={"application_name": LISTEN_APPLICATION_NAME}
            )
            await conn.add_listener(outbox.NOTIFY_CHANNEL, lambda *_: self._wake.set())
        except Exception as exc:  # any failure: poll until the next attempt
            if conn is not None:
                with contextlib.suppress(Exception):
                    await conn.close(timeout=2)
            log.warning("relay LISTEN unavailable; polling until it is back", error=str(exc))
            return None
        return conn

    async def _loop(self) -> None:
        backoff = self._poll_seconds
        while True:
            # Cleared before draining: a commit during the drain leaves it set, so the wait
            # below returns at once instead of missing that commit's rows for a poll period.
            self._wake.clear()
            try:
                published = await self.drain_once()
                backoff = self._poll_seconds
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("relay publish failed; retrying", error=str(exc), retry_in=backoff)
                # Above all during an outage the backlog gauges must move: they drive the alert.
                await self._update_gauges()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, _MAX_BACKOFF_SECONDS)
                continue
            await self._update_gauges()
            if published == self._batch_size:
                continue  # more may be waiting
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation that
            # lands as its timeout expires, and the relay then outlived the shutdown.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._poll_seconds):
                    await self._wake.wait()

    async def _update_gauges(self) -> None:
        # At most once a second: the gauges are for dashboards, not worth a query per batch.
        if time.monotonic() - self._gauges_at < 1.0:
            return
        self._gauges_at = time.monotonic()
        try:
            async with self._sessions() as session:
                count, oldest = await outbox.backlog(session)
        except Exception as exc:  # the database may be what is failing; the loop goes on
            log.warning("outbox backlog unavailable", error=str(exc))
            return
        self._pending.set(count)
        self._oldest.set((utcnow() - oldest).total_seconds() if oldest else 0)


class PublishFailed(Exception):
    pass
