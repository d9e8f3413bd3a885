"""Reading and writing Kafka directly (confluent-kafka), bypassing Dapr: what really is on a topic."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from confluent_kafka import Consumer, Producer, TopicPartition


@dataclass(frozen=True)
class Record:
    topic: str
    partition: int
    offset: int
    key: str | None
    raw: bytes
    at: float

    @property
    def envelope(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.raw)
        return value

    @property
    def data(self) -> Any:
        """The event body inside Dapr's CloudEvent envelope."""
        return self.envelope.get("data")


class TopicReader:
    """A consumer in a fresh group that reads a topic from its beginning."""

    def __init__(self, bootstrap: str, *topics: str) -> None:
        self.consumer = Consumer(
            {
                "bootstrap.servers": bootstrap,
                "group.id": f"test-{uuid.uuid4().hex[:8]}",
                "auto.offset.reset": "earliest",
                "enable.auto.commit": False,
                "client.id": "todo-tests",
            }
        )
        self.consumer.subscribe(list(topics))
        self.seen: list[Record] = []

    def read_until(
        self, done: Callable[[list[Record]], bool], timeout: float = 20.0
    ) -> list[Record]:
        deadline = time.monotonic() + timeout
        while not done(self.seen) and time.monotonic() < deadline:
            message = self.consumer.poll(0.2)
            if message is None or message.error():
                continue
            key = message.key()
            self.seen.append(
                Record(
                    message.topic(),
                    message.partition(),
                    message.offset(),
                    key.decode() if key else None,
                    message.value(),
                    time.time(),
                )
            )
        return self.seen

    def close(self) -> None:
        self.consumer.close()


def produce(bootstrap: str, topic: str, value: bytes, key: str | None = None) -> None:
    producer = Producer({"bootstrap.servers": bootstrap, "client.id": "todo-tests"})
    producer.produce(topic, value=value, key=key)
    if producer.flush(10) != 0:
        raise RuntimeError(f"could not produce to {topic}")


def dead_letter_counts(bootstrap: str) -> dict[str, int]:
    """Records ever written to each `<topic>.dlq` (high watermarks summed over partitions)."""
    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": "todo-tests-dlq", "client.id": "todo-tests"}
    )
    try:
        topics = consumer.list_topics(timeout=10).topics
        counts = {}
        for name, meta in topics.items():
            if name.endswith(".dlq"):
                counts[name] = sum(
                    consumer.get_watermark_offsets(TopicPartition(name, p), timeout=10)[1]
                    for p in meta.partitions
                )
        return counts
    finally:
        consumer.close()
