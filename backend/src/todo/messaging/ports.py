"""The two ports between the application and its event transport."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from todo.domain.errors import InvalidTask
from todo.storage.outbox import PendingMessage

if TYPE_CHECKING:
    from todo.services.context import Context


class Publisher(Protocol):
    async def publish_batch(self, messages: Sequence[PendingMessage]) -> set[int]:
        """Publish in order; return the ids of the messages the transport accepted.

        What is not accepted (or everything, when this raises) stays pending for a retry. An
        adapter must never accept a message after an unaccepted one of the same key.
        """
        ...


Handler = Callable[[dict[str, Any], "Context"], Awaitable[None]]


class Unprocessable(Exception):
    """An event that can never be handled, whatever the retries: dead-letter it at once.

    Handlers raise it for events that are wrong in themselves (a service refused them as
    invalid); a failure of something the handler depends on (a sidecar, the api, the
    database) is any other exception, retried until it comes back.
    """


# What a malformed event makes a handler raise while reading it: retrying cannot help.
_MALFORMED = (KeyError, TypeError, ValueError, AttributeError, IndexError)


def is_permanent(exc: BaseException) -> bool:
    """Whether retrying the event is pointless (its content, not the moment, is at fault)."""
    return isinstance(exc, (Unprocessable, InvalidTask, *_MALFORMED))


@dataclass(frozen=True)
class Subscription:
    """`consumer` handles `topic` with `handler`; the consumer name is its consumer group."""

    consumer: str
    topic: str
    handler: Handler
