"""Reminders through Dapr jobs, the cron sweep, the notifier and a real SMTP server."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

from tests.stack.client import StackClient
from tests.stack.metrics import scrape, value


def _at(seconds: float) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


async def test_reminder_arrives_on_time_once(client: StackClient) -> None:
    user = await client.signup()
    remind_at = _at(3)
    await user.create(
        title="on time",
        remind_at=remind_at.isoformat(),
        due_at=(remind_at + timedelta(hours=1)).isoformat(),
    )
    mails = await client.mails_to(user.email, count=1, timeout=10)
    assert len(mails) == 1 and mails[0].message["Subject"] == "Reminder: on time"
    lateness = mails[0].at - remind_at.timestamp()
    assert 0 <= lateness < 2.0, lateness
    await asyncio.sleep(3)
    assert len(client.smtp.to(user.email)) == 1


async def test_moving_the_reminder_moves_the_email(client: StackClient) -> None:
    user = await client.signup()
    task = await user.create(title="moved", remind_at=_at(3).isoformat())
    new_time = _at(7)
    response = await user.patch(
        f"/api/tasks/{task['id']}", json={"remind_at": new_time.isoformat()}
    )
    assert response.status_code == 200
    mails = await client.mails_to(user.email, count=1, timeout=12)
    assert len(mails) == 1
    assert 0 <= mails[0].at - new_time.timestamp() < 2.0
    await asyncio.sleep(2)
    assert len(client.smtp.to(user.email)) == 1


async def test_deleting_the_task_cancels_the_reminder(client: StackClient) -> None:
    user = await client.signup()
    task = await user.create(title="cancelled", remind_at=_at(3).isoformat())
    assert (await user.delete(f"/api/tasks/{task['id']}")).status_code == 204
    await asyncio.sleep(6)
    assert client.smtp.to(user.email) == []


async def test_reminder_due_while_the_service_was_down_is_sent_once_after(
    client: StackClient,
) -> None:
    user = await client.signup()
    await client.stack.stop_service("reminders")
    try:
        await user.create(title="missed", remind_at=_at(2).isoformat())
        await asyncio.sleep(5)
        assert client.smtp.to(user.email) == []
    finally:
        await client.stack.start_service("reminders")
    started = time.time()
    mails = await client.mails_to(user.email, count=1, timeout=30)
    assert len(mails) == 1 and mails[0].message["Subject"] == "Reminder: missed"
    await asyncio.sleep(6)  # past the next sweep: still one
    assert len(client.smtp.to(user.email)) == 1, time.time() - started
    # The restarted service says why it was late: the sweep fired it, not a job.
    samples = await scrape(client.stack.app_url("reminders"))
    assert value(samples, "todo_reminders_fired_total", via="sweep") == 1
    assert value(samples, "todo_reminders_fired_total", via="job") == 0
    assert value(samples, "todo_reminder_lateness_seconds_sum") > 2
