"""Live updates and reminders in real browsers: one WebSocket per tab, pushed by the server.

Two browser contexts of one user see each other's changes within a second; a second user's
browser sees none of them; a reminder due in a few seconds becomes a system notification when
the user allowed them, and an in-app message when not.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect

from tests.support.browser import RECORD_NOTIFICATIONS, session_state

LIVE_WITHIN_MS = 1000
ZONE = "Europe/Paris"


def open_app(
    browser: Any, base: str, signed_in: tuple[str, str, str, dict[str, Any]], **options: Any
) -> Page:
    _, _, token, user = signed_in
    context = browser.new_context(
        base_url=base, timezone_id=ZONE, storage_state=session_state(base, token, user), **options
    )
    page = context.new_page()
    page.goto("/")
    expect(
        page.get_by_title("Live updates from your other tabs and devices").filter(has_text="Live")
    ).to_be_visible()
    return page


def frames_of(page: Page) -> list[dict[str, Any]]:
    """Every message the page's WebSocket receives from now on (reload to see them all)."""
    frames: list[dict[str, Any]] = []
    page.on(
        "websocket",
        lambda ws: ws.on("framereceived", lambda payload: frames.append(json.loads(payload))),
    )
    return frames


def row(page: Page, title: str) -> Any:
    return page.get_by_role("listitem", name=title)


def test_two_tabs_of_one_user_see_each_other_and_a_stranger_sees_nothing(
    browser: Any, web_server: str, api_user: Any
) -> None:
    alice = api_user()
    first = open_app(browser, web_server, alice)
    second = open_app(browser, web_server, alice)
    stranger = open_app(browser, web_server, api_user())
    stranger_frames = frames_of(stranger)
    stranger.reload()
    expect(stranger.get_by_text("No tasks yet.")).to_be_visible()
    expect(
        stranger.get_by_title("Live updates from your other tabs and devices").filter(
            has_text="Live"
        )
    ).to_be_visible()

    # Created in the first tab: in the second one without a reload.
    first.get_by_role("button", name="New task").click()
    first.get_by_label("Title").fill("Shared shopping list")
    first.get_by_label("Tags", exact=True).fill("family")
    first.get_by_label("Tags", exact=True).press("Enter")
    with first.expect_response(
        lambda r: r.url.endswith("/api/tasks") and r.request.method == "POST"
    ):
        first.get_by_role("button", name="Create task").click()
    started = time.monotonic()
    expect(row(second, "Shared shopping list")).to_be_visible(timeout=LIVE_WITHIN_MS)
    seen_after = time.monotonic() - started

    # Completed in the second: checked in the first.
    row(second, "Shared shopping list").get_by_role("checkbox").check()
    expect(row(first, "Shared shopping list").get_by_role("checkbox")).to_be_checked(
        timeout=LIVE_WITHIN_MS
    )
    expect(row(first, "Shared shopping list")).to_have_class(
        "task task-done", timeout=LIVE_WITHIN_MS
    )

    # Edited in the first: renamed in the second.
    first.get_by_role("button", name="Edit Shared shopping list").click()
    first.get_by_label("Title").fill("Shared list")
    first.get_by_role("button", name="Save changes").click()
    expect(row(second, "Shared list")).to_be_visible(timeout=LIVE_WITHIN_MS)

    # Deleted in the second: gone from the first.
    second.get_by_role("button", name="Delete Shared list").click()
    second.get_by_role("alertdialog").get_by_role("button", name="Delete").click()
    expect(first.get_by_text("No tasks yet.")).to_be_visible(timeout=LIVE_WITHIN_MS)

    # The other user's tab got its hello and nothing else, and shows nothing.
    time.sleep(0.3)
    assert [f.get("action") for f in stranger_frames] == ["hello"], stranger_frames
    expect(stranger.get_by_text("No tasks yet.")).to_be_visible()
    assert seen_after < LIVE_WITHIN_MS / 1000
    for page in (first, second, stranger):
        page.context.close()


def test_reminder_becomes_a_notification_or_an_in_app_message(
    browser: Any, web_server: str, api_user: Any
) -> None:
    # The shared server: earlier tests deleted tasks there, whose ids must not be reused
    # (migration 0003), or the reminders service would take this task for a deleted one.
    user = api_user(web_server)
    allowed = open_app(browser, web_server, user, permissions=["notifications"])
    allowed.context.add_init_script(RECORD_NOTIFICATIONS)
    allowed.reload()
    expect(
        allowed.get_by_title("Live updates from your other tabs and devices").filter(
            has_text="Live"
        )
    ).to_be_visible()
    assert allowed.evaluate("Notification.permission") == "granted"
    expect(allowed.get_by_role("button", name="Enable reminders")).to_have_count(0)
    not_asked = open_app(browser, web_server, user)
    expect(not_asked.get_by_role("button", name="Enable reminders")).to_be_visible()

    # A reminder a few seconds from now, set in the dialog in the user's zone.
    now = datetime.now(ZoneInfo(ZONE))
    remind_at = now + timedelta(seconds=4)
    allowed.get_by_role("button", name="New task").click()
    allowed.get_by_label("Title").fill("Call the plumber")
    allowed.get_by_label("Due", exact=True).fill(
        (now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    )
    allowed.get_by_label("Reminder").select_option("custom")
    allowed.get_by_label("Remind me at").fill(remind_at.strftime("%Y-%m-%dT%H:%M:%S"))
    with allowed.expect_response(
        lambda r: r.url.endswith("/api/tasks") and r.request.method == "POST"
    ) as info:
        allowed.get_by_role("button", name="Create task").click()
    assert info.value.status == 201, info.value.text()
    stored = datetime.fromisoformat(info.value.json()["remind_at"])
    assert stored == remind_at.replace(microsecond=0)

    # Allowed: a system notification, no in-app message.
    # A function, not an expression string: Playwright evals strings, which the CSP forbids.
    allowed.wait_for_function("() => window.__notifications.length > 0", timeout=10_000)
    noticed = time.time()
    notes = allowed.evaluate("window.__notifications")
    assert notes[0]["title"] == "Reminder: Call the plumber"
    assert notes[0]["tag"].startswith("todo-reminder-")
    assert notes[0]["body"].startswith("Due ")
    assert noticed - stored.timestamp() < 3.0
    expect(allowed.get_by_test_id("toast-reminder")).to_have_count(0)

    # Not allowed: the same reminder as a message in the page.
    toast = not_asked.get_by_test_id("toast-reminder")
    expect(toast).to_be_visible(timeout=2000)
    expect(toast).to_contain_text("Reminder: Call the plumber")
    time.sleep(1)
    assert len(allowed.evaluate("window.__notifications")) == 1  # once
    allowed.context.close()
    not_asked.context.close()
