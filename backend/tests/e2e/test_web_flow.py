"""The web app in a real Chromium against a real `todo serve`: one person's whole day.

sign up -> create (due date in the browser's zone, tags, priority) -> search, filter, sort ->
complete -> edit -> history (deep link) -> delete -> log out and in; keyboard use; API errors.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from playwright.sync_api import Page, expect

ZONE = "Europe/Paris"


def local(dt: datetime, seconds: bool = False) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S" if seconds else "%Y-%m-%dT%H:%M")


def create_task(
    page: Page,
    title: str,
    *,
    due: datetime | None = None,
    tags: tuple[str, ...] = (),
    priority: str | None = None,
) -> dict[str, Any]:
    page.get_by_role("button", name="New task").click()
    dialog = page.get_by_role("dialog", name="New task")
    dialog.get_by_label("Title").fill(title)
    if priority:
        dialog.get_by_label("Priority").select_option(priority)
    for tag in tags:
        dialog.get_by_label("Tags", exact=True).fill(tag)
        dialog.get_by_label("Tags", exact=True).press("Enter")
    if due:
        dialog.get_by_label("Due", exact=True).fill(local(due))
    with page.expect_response(
        lambda r: r.url.endswith("/api/tasks") and r.request.method == "POST"
    ) as info:
        dialog.get_by_role("button", name="Create task").click()
    assert info.value.status == 201, info.value.text()
    expect(dialog).to_be_hidden()
    return info.value.json()


def titles(page: Page) -> list[str]:
    return page.locator(".task-list .task-title").all_inner_texts()


def expect_titles(page: Page, wanted: list[str]) -> None:
    expect(page.locator(".task-list .task-title")).to_have_text(wanted)


def test_sign_up_create_search_filter_sort_complete_delete(browser: Any, web_server: str) -> None:
    context = browser.new_context(base_url=web_server, timezone_id=ZONE, locale="en-GB")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    email = f"flow-{datetime.now().timestamp():.0f}@example.com"

    # Signed out: the app sends us to the login, from where we sign up.
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login$"))
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("a long secret")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name="Tasks")).to_be_visible()
    expect(page.get_by_text("No tasks yet.")).to_be_visible()
    token = page.evaluate("localStorage.getItem('todo.token')")
    api = httpx.Client(base_url=web_server, headers={"Authorization": f"Bearer {token}"})

    now = datetime.now(ZoneInfo(ZONE)).replace(second=0, microsecond=0)
    tomorrow_6pm = (now + timedelta(days=1)).replace(hour=18, minute=0)
    plants = create_task(
        page, "Water the plants", due=tomorrow_6pm, tags=("home", "Garden"), priority="medium"
    )
    milk = create_task(
        page, "Buy milk", due=now + timedelta(days=2), tags=("shopping",), priority="high"
    )
    create_task(
        page, "File taxes", due=now - timedelta(days=1), tags=("admin", "home"), priority="low"
    )

    # The due date was picked in the browser's zone and stored as that instant.
    assert datetime.fromisoformat(plants["due_at"]) == tomorrow_6pm
    assert plants["tags"] == ["garden", "home"]
    expect_titles(page, ["File taxes", "Buy milk", "Water the plants"])  # newest first
    taxes_row = page.get_by_role("listitem", name="File taxes")
    expect(taxes_row.get_by_text("Overdue")).to_be_visible()

    # Search.
    page.get_by_role("searchbox", name="Search tasks").fill("PLANTS")
    expect_titles(page, ["Water the plants"])
    page.get_by_role("searchbox", name="Search tasks").fill("")
    expect_titles(page, ["File taxes", "Buy milk", "Water the plants"])

    # Filters: priority, tag (with suggestions from /api/tags), overdue.
    page.get_by_role("checkbox", name="High").check()
    expect_titles(page, ["Buy milk"])
    page.get_by_role("checkbox", name="High").uncheck()
    page.get_by_label("Tags (all of)").fill("home")
    page.get_by_label("Tags (all of)").press("Enter")
    expect_titles(page, ["File taxes", "Water the plants"])
    expect(page).to_have_url(re.compile(r"tag=home"))
    page.get_by_role("button", name="Remove tag filter home").click()
    page.get_by_role("checkbox", name="Overdue only").check()
    expect_titles(page, ["File taxes"])
    page.get_by_role("checkbox", name="Overdue only").uncheck()
    expect_titles(page, ["File taxes", "Buy milk", "Water the plants"])

    # Sort.
    page.get_by_label("Sort by").select_option(label="Priority, highest first")
    expect_titles(page, ["Buy milk", "Water the plants", "File taxes"])
    page.get_by_label("Sort by").select_option(label="Title, A to Z")
    expect_titles(page, ["Buy milk", "File taxes", "Water the plants"])
    page.get_by_label("Sort by").select_option(label="Due date, soonest first")
    expect_titles(page, ["File taxes", "Water the plants", "Buy milk"])

    # Complete: a clear visual state, and the API agrees.
    row = page.get_by_role("listitem", name="Water the plants")
    row.get_by_role("checkbox", name="Completed: Water the plants").check()
    expect(row).to_have_class(re.compile(r"\btask-done\b"))
    expect(row.get_by_text("Done", exact=True)).to_be_visible()
    assert api.get(f"/api/tasks/{plants['id']}").json()["completed"] is True
    page.get_by_label("Status").select_option("completed")
    expect_titles(page, ["Water the plants"])
    page.get_by_label("Status").select_option("open")
    expect_titles(page, ["File taxes", "Buy milk"])
    page.get_by_label("Status").select_option("")

    # Edit.
    page.get_by_role("button", name="Edit Buy milk").click()
    dialog = page.get_by_role("dialog", name="Edit task")
    expect(dialog.get_by_label("Title")).to_have_value("Buy milk")
    dialog.get_by_label("Title").fill("Buy oat milk")
    dialog.get_by_role("button", name="Save changes").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("listitem", name="Buy oat milk")).to_be_visible()

    # History, then the same address loaded directly (the server's SPA fallback).
    page.get_by_role("link", name="History of Water the plants").click()
    expect(page.get_by_role("heading", name="History: Water the plants")).to_be_visible()
    expect(page.locator(".event-head strong")).to_have_text(["Created", "Completed"])
    page.reload()
    expect(page.locator(".event-head strong")).to_have_text(["Created", "Completed"])
    page.get_by_role("link", name="← All tasks").click()

    # Delete, after confirming.
    page.get_by_role("button", name="Delete Buy oat milk").click()
    confirm = page.get_by_role("alertdialog", name="Delete task?")
    confirm.get_by_role("button", name="Delete").click()
    expect(page.get_by_role("listitem", name="Buy oat milk")).to_have_count(0)
    assert api.get(f"/api/tasks/{milk['id']}").status_code == 404
    expect_titles(page, ["File taxes", "Water the plants"])

    # Log out, log back in.
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    assert page.evaluate("localStorage.getItem('todo.token')") is None
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("a long secret")
    page.get_by_role("button", name="Log in").click()
    expect_titles(page, ["File taxes", "Water the plants"])
    assert errors == []
    context.close()


def test_keyboard_only_and_problem_details(browser: Any, web_server: str, api_user: Any) -> None:
    from tests.support.browser import session_state

    _, _, token, user = api_user()
    context = browser.new_context(
        base_url=web_server, timezone_id=ZONE, storage_state=session_state(web_server, token, user)
    )
    page = context.new_page()
    page.goto("/")
    expect(page.get_by_text("No tasks yet.")).to_be_visible()

    # Open the dialog, fill it and submit with the keyboard alone.
    page.get_by_role("button", name="New task").focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="New task")
    expect(dialog.get_by_label("Title")).to_be_focused()
    page.keyboard.type("Typed with keys")
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("button", name="New task")).to_be_focused()  # focus came back
    expect_titles(page, ["Typed with keys"])

    # Escape closes without saving.
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    page.keyboard.type("Never saved")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect_titles(page, ["Typed with keys"])

    # The API's problem+json detail is what the user reads.
    page.get_by_role("button", name="New task").click()
    dialog.get_by_label("Title").fill("Bad rule")
    dialog.get_by_label("Due", exact=True).fill(local(datetime.now() + timedelta(days=1)))
    dialog.get_by_label("Repeats").select_option("custom")
    dialog.get_by_label("Rule").fill("FREQ=SECONDLY")
    with page.expect_response(lambda r: r.url.endswith("/api/tasks")) as info:
        dialog.get_by_role("button", name="Create task").click()
    assert info.value.status == 422
    detail = info.value.json()["detail"]
    expect(dialog.get_by_role("alert")).to_have_text(detail)
    expect(dialog.get_by_label("Repeats")).to_have_attribute("aria-invalid", "true")
    context.close()


def test_deep_link_when_signed_out_returns_after_login(
    browser: Any, web_server: str, api_user: Any
) -> None:
    email, password, token, _ = api_user()
    api = httpx.Client(base_url=web_server, headers={"Authorization": f"Bearer {token}"})
    task = api.post("/api/tasks", json={"title": "Linked"}).json()
    context = browser.new_context(base_url=web_server)
    page = context.new_page()
    page.goto(f"/tasks/{task['id']}/history")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_label("Password").press("Enter")
    expect(page.get_by_role("heading", name="History: Linked")).to_be_visible()
    expect(page).to_have_url(f"{web_server}/tasks/{task['id']}/history")
    context.close()
