"""Debian's Chromium driven by Playwright (Python), for the web app's end-to-end tests.

Playwright cannot download its own browsers here, so it launches the system Chromium
(scripts/tools/chromium.sh installs it). A missing browser or an unbuilt web app is an error
with instructions, never a skip.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
DIST = ROOT / "frontend" / "dist"

LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class MissingPart(RuntimeError):
    pass


def chromium_path() -> str:
    """TODO_CHROMIUM, else /usr/bin/chromium; a clear error when neither exists."""
    for candidate in (os.environ.get("TODO_CHROMIUM"), "/usr/bin/chromium"):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("chromium")
    if found:
        return found
    raise MissingPart(
        "Chromium is missing: the web app's browser tests need it. Run "
        "`bash scripts/tools/chromium.sh` (as root it apt-get installs Debian's chromium), or "
        "set TODO_CHROMIUM to a Chromium executable. `playwright install` cannot download "
        "browsers here."
    )


def web_dist() -> Path:
    if not (DIST / "index.html").is_file():
        raise MissingPart(
            f"the web app is not built ({DIST}/index.html is missing): run `make web` "
            "(npm ci && npm run build in frontend/)"
        )
    return DIST


def session_state(base: str, token: str, user: dict[str, Any]) -> dict[str, Any]:
    """A Playwright storage_state holding a signed-in session (what the app keeps)."""
    return {
        "cookies": [],
        "origins": [
            {
                "origin": base,
                "localStorage": [
                    {"name": "todo.token", "value": token},
                    {"name": "todo.user", "value": json.dumps(user)},
                ],
            }
        ],
    }


# Records system notifications instead of showing them; the permission stays the browser's.
RECORD_NOTIFICATIONS = """
(() => {
  const Real = window.Notification;
  window.__notifications = [];
  class Recorded {
    static get permission() { return Real ? Real.permission : "denied"; }
    static requestPermission(cb) { return Real.requestPermission(cb); }
    constructor(title, options) {
      window.__notifications.push({ title, body: options && options.body, tag: options && options.tag });
      this.title = title;
      this.onclick = null;
    }
    close() {}
  }
  window.Notification = Recorded;
})();
"""
