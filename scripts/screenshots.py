"""Screenshots of the web app for the README: `make screenshots` (writes docs/screenshots/*.png).

Starts `todo serve` on a fresh SQLite database with the built app (frontend/dist), seeds a user
and a few tasks through the API, and photographs each screen in Debian's Chromium.
Run from backend/ with its environment: `cd backend && uv run python ../scripts/screenshots.py`.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

BACKEND = Path(__file__).resolve().parents[1] / "backend"
sys.path.insert(0, str(BACKEND))

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402

from tests.support.browser import LAUNCH_ARGS, chromium_path, session_state, web_dist  # noqa: E402
from tests.support.server import running_server  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
ZONE = ZoneInfo("Europe/Paris")
DESKTOP = {"width": 1200, "height": 820}
PHONE = {"width": 390, "height": 844}


def seed(base: str) -> tuple[str, dict[str, object], int]:
    body = httpx.post(
        f"{base}/api/auth/signup",
        json={"email": "ada@example.com", "password": "a long secret", "name": "Ada Lovelace"},
    ).json()
    api = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {body['access_token']}"})
    now = datetime.now(ZONE).replace(second=0, microsecond=0)

    def at(days: int, hour: int, minute: int = 0) -> str:
        return (now + timedelta(days=days)).replace(hour=hour, minute=minute).isoformat()

    def create(**task: object) -> dict[str, object]:
        response = api.post("/api/tasks", json=task)
        response.raise_for_status()
        return response.json()

    create(
        title="Renew passport",
        priority="high",
        tags=["admin"],
        due_at=at(-2, 17),
        description="Photos are in the top drawer.",
    )
    plants = create(
        title="Water the plants",
        priority="medium",
        tags=["home", "garden"],
        due_at=at(1, 18),
        remind_at=at(1, 17, 30),
        recurrence="FREQ=WEEKLY;BYDAY=MO,TH",
    )
    create(
        title="Team stand-up notes",
        priority="low",
        tags=["work"],
        due_at=at(0, 23, 30),
        recurrence="FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
    )
    milk = create(title="Buy oat milk", tags=["shopping"], due_at=at(0, 19))
    api.post(f"/api/tasks/{milk['id']}/complete").raise_for_status()
    dentist = create(
        title="Book dentist appointment", priority="low", tags=["health"], due_at=at(6, 9)
    )
    create(
        title="Read “Notes on the Analytical Engine”", description="Chapter 3, then the notes G."
    )
    # Some history for the history screen.
    api.patch(
        f"/api/tasks/{dentist['id']}",
        json={"priority": "medium", "due_at": at(7, 10, 30), "description": "Dr. Byron, 2nd floor"},
    ).raise_for_status()
    api.post(f"/api/tasks/{dentist['id']}/complete").raise_for_status()
    api.post(f"/api/tasks/{dentist['id']}/reopen").raise_for_status()
    api.patch(f"/api/tasks/{dentist['id']}", json={"tags": ["health", "family"]}).raise_for_status()
    del plants
    return body["access_token"], body["user"], int(dentist["id"])  # type: ignore[arg-type]


def shoot(page: Page, name: str) -> None:
    page.wait_for_timeout(300)  # let fonts and transitions settle
    page.screenshot(path=str(OUT / f"{name}.png"))
    print(f"wrote docs/screenshots/{name}.png")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_server(
            f"sqlite+aiosqlite:///{tmp}/todo.db",
            Path(tmp) / "server.log",
            TODO_STATIC_DIR=str(web_dist()),
            TODO_LOG_JSON="false",
        ) as base,
    ):
        token, user, history_id = seed(base)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium_path(), args=LAUNCH_ARGS)
            common = {"base_url": base, "timezone_id": "Europe/Paris", "locale": "en-GB"}

            anonymous = browser.new_context(viewport=DESKTOP, **common)
            page = anonymous.new_page()
            page.goto("/login")
            page.get_by_label("Email").fill("ada@example.com")
            shoot(page, "login")

            signed_in = session_state(base, token, user)
            desktop = browser.new_context(viewport=DESKTOP, storage_state=signed_in, **common)
            page = desktop.new_page()
            page.goto("/")
            expect(page.get_by_role("status").filter(has_text="Live")).to_be_visible()
            expect(page.locator(".task")).to_have_count(6)
            shoot(page, "list")

            page.get_by_role("button", name="Edit Water the plants").click()
            expect(page.get_by_role("dialog")).to_be_visible()
            shoot(page, "edit-dialog")
            page.keyboard.press("Escape")

            page.goto(f"/tasks/{history_id}/history")
            expect(page.locator(".event")).to_have_count(5)
            shoot(page, "history")

            phone = browser.new_context(
                viewport=PHONE,
                device_scale_factor=2,
                is_mobile=True,
                has_touch=True,
                storage_state=signed_in,
                **common,
            )
            page = phone.new_page()
            page.goto("/")
            expect(page.locator(".task")).to_have_count(6)
            shoot(page, "phone-list")
            page.get_by_role("button", name="New task").click()
            expect(page.get_by_role("dialog")).to_be_visible()
            shoot(page, "phone-new-task")
            browser.close()


if __name__ == "__main__":
    main()
