"""Dapr forms of the service ports, all through this process's sidecar."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from todo.clock import utcnow
from todo.domain.errors import TaskNotFound
from todo.domain.events import Message
from todo.messaging.dapr import DaprError, Sidecar
from todo.messaging.ports import Unprocessable

API_APP_ID = "api"
AUDIT_APP_ID = "audit"


def job_name(task_id: int) -> str:
    return f"reminder-{task_id}"


class DaprTaskCommands:
    """Service invocation to the api (recurrence → api)."""

    def __init__(self, sidecar: Sidecar) -> None:
        self.sidecar = sidecar

    async def create_next_occurrence(self, user_id: int, task_id: int) -> dict[str, Any] | None:
        response = await self.sidecar.invoke(
            API_APP_ID,
            f"internal/tasks/{task_id}/next-occurrence",
            "POST",
            params={"user_id": user_id},
        )
        if response.status_code == 204:
            return None
        if response.status_code == 404:
            raise TaskNotFound(f"task {task_id} does not exist")
        if response.status_code == 422:
            # The api refused this event's task for good (its rule cannot be worked out).
            raise Unprocessable(f"the api refused the next occurrence: {response.text[:300]}")
        if response.status_code != 200:  # the api or its sidecar is away: retried
            raise DaprError("next occurrence via the api failed", response)
        body: dict[str, Any] = response.json()
        return body


class DaprPublish:
    def __init__(self, sidecar: Sidecar, pubsub: str | None = None) -> None:
        self.sidecar = sidecar
        self.pubsub = pubsub

    async def __call__(self, message: Message) -> None:
        await self.sidecar.publish(message.topic, message.payload, message.key, self.pubsub)


class DaprMarkers:
    def __init__(self, sidecar: Sidecar) -> None:
        self.sidecar = sidecar

    async def claim(self, key: str) -> bool:
        return await self.sidecar.claim(key, {"at": utcnow().isoformat()})

    async def release(self, key: str) -> None:
        await self.sidecar.release(key)


class DaprJobs:
    def __init__(self, sidecar: Sidecar) -> None:
        self.sidecar = sidecar

    async def schedule(self, task_id: int, due: datetime, data: dict[str, Any]) -> None:
        await self.sidecar.schedule_job(job_name(task_id), due, data)

    async def cancel(self, task_id: int) -> None:
        await self.sidecar.delete_job(job_name(task_id))


async def history_via_audit(sidecar: Sidecar, user_id: int, task_id: int) -> list[dict[str, Any]]:
    response = await sidecar.invoke(AUDIT_APP_ID, f"internal/history/{user_id}/{task_id}")
    if response.status_code != 200:
        raise DaprError("history via audit failed", response)
    items: list[dict[str, Any]] = response.json()["items"]
    return items
