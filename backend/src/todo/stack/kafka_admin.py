"""Kafka admin for the launcher: is the broker up, create topics, who consumes what.

confluent-kafka's AdminClient; a fresh one per broker start (it does not recover from a
broker restart).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from todo.stack.errors import StackError


@dataclass(frozen=True)
class Group:
    state: str  # STABLE, EMPTY, PREPARINGREBALANCE, ...
    topics: frozenset[str]  # topics with at least one partition assigned to a member


class Admin(Protocol):
    async def ready(self) -> bool: ...
    async def create_topics(self, topics: dict[str, int]) -> None: ...
    async def groups(self) -> dict[str, Group]: ...
    async def close(self) -> None: ...


class ConfluentAdmin:
    def __init__(self, bootstrap: str) -> None:
        from confluent_kafka.admin import AdminClient

        self._admin: Any = AdminClient(
            {"bootstrap.servers": bootstrap, "socket.timeout.ms": 3000, "log_level": 0}
        )

    async def ready(self) -> bool:
        def probe() -> bool:
            try:
                return bool(self._admin.list_topics(timeout=2).brokers)
            except Exception:
                return False

        return await asyncio.to_thread(probe)

    async def create_topics(self, topics: dict[str, int]) -> None:
        from confluent_kafka import KafkaError
        from confluent_kafka.admin import NewTopic  # type: ignore[attr-defined]

        def create() -> None:
            new = [
                NewTopic(name, num_partitions=n, replication_factor=1) for name, n in topics.items()
            ]
            for name, future in self._admin.create_topics(new, operation_timeout=10).items():
                try:
                    future.result(timeout=15)
                except Exception as e:
                    err = e.args[0] if e.args else None
                    if getattr(err, "code", lambda: None)() != KafkaError.TOPIC_ALREADY_EXISTS:
                        raise StackError(f"could not create topic {name}: {e}") from e

        await asyncio.to_thread(create)

    async def groups(self) -> dict[str, Group]:
        def describe() -> dict[str, Group]:
            listed = self._admin.list_consumer_groups(request_timeout=5).result()
            ids = [g.group_id for g in listed.valid]
            if not ids:
                return {}
            out: dict[str, Group] = {}
            for gid, future in self._admin.describe_consumer_groups(ids, request_timeout=5).items():
                d = future.result()
                topics = {
                    tp.topic
                    for m in d.members
                    if m.assignment is not None
                    for tp in m.assignment.topic_partitions
                }
                state = getattr(d.state, "name", str(d.state)).upper()
                out[gid] = Group(state, frozenset(topics))
            return out

        try:
            return await asyncio.to_thread(describe)
        except Exception:
            return {}

    async def close(self) -> None:
        return None


def make_admin(libs: Path, bootstrap: str, log: Path) -> Admin:
    """confluent-kafka's AdminClient (a dev dependency, always installed with the backend)."""
    return ConfluentAdmin(bootstrap)
