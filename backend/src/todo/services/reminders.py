"""reminders: one timer per task reminder; when it fires, a `reminders` event, exactly once.

Timers are Dapr jobs in the stack (asyncio timers when embedded). The sweep (cron binding in
the stack, a loop when embedded) fires whatever a lost job or downtime missed. A sent marker
claimed first-write-wins makes the job callback and the sweep unable to both fire one reminder.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from todo.clock import utcnow
from todo.domain.events import reminder_due
from todo.observability import metrics, tracing
from todo.observability.logging import get_logger
from todo.services.context import Context
from todo.storage import reminders as schedule

log = get_logger(__name__)


def _when(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


async def track(event: dict[str, Any], ctx: Context) -> None:
    """task-events handler: keep the schedule and the task's timer in step with the task."""
    task = event["task_data"]
    active = event["event_type"] != "deleted" and not task["completed"]
    remind_at = _when(task["remind_at"]) if active else None
    async with ctx.sessions() as session, session.begin():
        applied = await schedule.apply(
            session,
            task_id=event["task_id"],
            user_id=event["user_id"],
            title=task["title"],
            due_at=_when(task["due_at"]),
            remind_at=remind_at,
            version=event["version"],
        )
    if not applied.newer:
        return  # no reminder ever, or an older event delivered late
    if remind_at is not None and remind_at > utcnow():
        await ctx.jobs.schedule(
            event["task_id"],
            remind_at,
            {
                "task_id": event["task_id"],
                "remind_at": remind_at.isoformat(),
                # The job fires later, outside this trace: its data carries the trace on.
                "traceparent": tracing.current_traceparent(),
            },
        )
        metrics.REMINDERS_SCHEDULED.inc()
    elif applied.had_reminder:
        # Cancelled, completed, deleted, or already due (the sweep fires those).
        await ctx.jobs.cancel(event["task_id"])


async def fire(task_id: int, remind_at: datetime, ctx: Context, via: str = "job") -> bool:
    """Publish the reminder if it is still due at `remind_at` and nobody sent it; True if sent.

    `via` says what fired it ("job": its timer; "sweep": the safety net, so a timer was lost).
    """
    async with ctx.sessions() as session:
        reminder = await schedule.pending(session, task_id, remind_at)
    if reminder is None:
        return False  # moved, cancelled or already sent
    marker = f"reminder-sent:{task_id}:{int(remind_at.timestamp())}"
    if await ctx.markers.claim(marker):
        message = reminder_due(
            reminder.task_id, reminder.user_id, reminder.title, reminder.due_at, remind_at
        )
        try:
            await ctx.publish(message)
        except Exception:
            await ctx.markers.release(marker)  # let the retry or the next sweep send it
            raise
        sent = True
        lateness = (utcnow() - remind_at).total_seconds()
        metrics.REMINDERS_FIRED.labels(via).inc()
        metrics.REMINDER_LATENESS.observe(max(lateness, 0.0))
        log.info("reminder fired", task_id=task_id, via=via, lateness_s=round(lateness, 3))
    else:
        sent = False
    async with ctx.sessions() as session, session.begin():
        await schedule.mark_sent(session, task_id, remind_at, utcnow())
    return sent


async def on_job(data: dict[str, Any], ctx: Context) -> None:
    """The timer of one reminder went off (Dapr job callback body, or the asyncio timer)."""
    remind_at = _when(data.get("remind_at"))
    if remind_at is None:
        raise ValueError("job data without remind_at")
    with tracing.span("reminder due", data.get("traceparent"), task_id=int(data["task_id"])):
        await fire(int(data["task_id"]), remind_at, ctx)


async def sweep(ctx: Context) -> int:
    """Fire every reminder that is due and unsent; return how many went out."""
    async with ctx.sessions() as session:
        due = await schedule.due(session, utcnow())
    sent = 0
    for reminder in due:
        try:
            sent += await fire(reminder.task_id, reminder.remind_at, ctx, via="sweep")
        except Exception:  # one failure must not stop the others; the next sweep retries it
            log.exception("sweep could not fire a reminder", task_id=reminder.task_id)
    if sent:
        log.info("sweep fired missed reminders", count=sent)
    return sent
