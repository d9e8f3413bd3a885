"""notifier: a due reminder becomes a push to the user's open browsers and an email.

Deduplicated by event_id with a first-write-wins marker. The push goes first: if the email
then fails, the marker is released and the retry pushes again (harmless) rather than risking a
second email after a successful one.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select

from todo.clock import utcnow
from todo.domain.events import TASK_UPDATES, Message
from todo.observability import metrics
from todo.observability.logging import get_logger
from todo.services.context import Context
from todo.storage.tables import UserRow

log = get_logger(__name__)


def _email_body(event: dict[str, Any]) -> str:
    lines = [f"Reminder: {event['title']}", ""]
    if event.get("due_date"):
        due = datetime.fromisoformat(event["due_date"])
        lines.append(f"Due {due:%A %d %B %Y at %H:%M} UTC.")
    lines.append(f"(Reminder set for {datetime.fromisoformat(event['remind_at']):%H:%M} UTC.)")
    return "\n".join(lines) + "\n"


async def on_reminder(event: dict[str, Any], ctx: Context) -> None:
    marker = f"notified:{event['event_id']}"
    if not await ctx.markers.claim(marker):
        log.info("duplicate reminder event ignored", event_id=event["event_id"])
        return
    try:
        await ctx.publish(
            Message(
                TASK_UPDATES,
                str(event["task_id"]),
                {
                    "event_id": str(uuid.uuid4()),
                    "user_id": event["user_id"],
                    "task_id": event["task_id"],
                    "action": "reminder",
                    "timestamp": utcnow().isoformat(),
                    "title": event["title"],
                    "due_date": event["due_date"],
                    "remind_at": event["remind_at"],
                },
            )
        )
        metrics.NOTIFICATIONS_SENT.labels("push").inc()
        async with ctx.sessions() as session:
            email = await session.scalar(
                select(UserRow.email).where(UserRow.id == event["user_id"])
            )
        if email is None:
            log.info("reminder for a user that no longer exists", user_id=event["user_id"])
            return
        await ctx.mailer.send(email, f"Reminder: {event['title']}", _email_body(event))
        metrics.NOTIFICATIONS_SENT.labels("email").inc()
    except Exception:
        await ctx.markers.release(marker)
        raise
