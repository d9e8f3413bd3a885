"""The README's curl walk-through, against a real `todo serve` process (embedded mode)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.server import running_server


def test_readme_walkthrough(tmp_path: Path) -> None:
    db = f"sqlite+aiosqlite:///{tmp_path}/todo.db"
    with running_server(db, tmp_path / "server.log", TODO_LOG_JSON="true") as base:
        api = httpx.Client(base_url=base, timeout=10)
        assert api.get("/healthz").json() == {"status": "ok"}
        signup = api.post(
            "/api/auth/signup", json={"email": "me@example.com", "password": "a long secret"}
        )
        assert signup.status_code == 201
        auth = {"Authorization": f"Bearer {signup.json()['access_token']}"}

        weekly = api.post(
            "/api/tasks",
            headers=auth,
            json={
                "title": "Water the plants",
                "priority": "medium",
                "tags": ["home"],
                "due_at": "2030-06-03T18:00:00+02:00",
                "remind_at": "2030-06-03T17:30:00+02:00",
                "recurrence": "FREQ=WEEKLY;BYDAY=MO",
            },
        )
        assert weekly.status_code == 201, weekly.text
        task = weekly.json()
        api.post(
            "/api/tasks",
            headers=auth,
            json={"title": "File taxes", "priority": "high", "tags": ["admin"]},
        )

        listing = api.get(
            "/api/tasks",
            headers=auth,
            params={"tag": "home", "status": "open", "sort": "-priority"},
        ).json()
        assert [t["title"] for t in listing["items"]] == ["Water the plants"]
        by_priority = api.get("/api/tasks", headers=auth, params={"sort": "-priority"}).json()
        assert [t["title"] for t in by_priority["items"]] == ["File taxes", "Water the plants"]

        done = api.post(f"/api/tasks/{task['id']}/complete", headers={**auth, "If-Match": '"1"'})
        assert done.status_code == 200 and done.json()["completed"]

        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            history = api.get(f"/api/tasks/{task['id']}/history", headers=auth)
            series = api.get("/api/tasks", headers=auth, params={"q": "water"}).json()
            if (
                history.status_code == 200
                and len(history.json()["items"]) == 2
                and series["total"] == 2
            ):
                break
            time.sleep(0.1)
        assert [e["event_type"] for e in history.json()["items"]] == ["created", "completed"]
        nxt = [t for t in series["items"] if not t["completed"]]
        assert len(nxt) == 1 and nxt[0]["due_at"] == "2030-06-10T16:00:00Z"

        metrics = api.get("/metrics").text
        assert "todo_tasks_created_total" in metrics
        assert 'route="/api/tasks"' in metrics
    rebuild = subprocess.run(
        [sys.executable, "-m", "todo.cli", "events", "rebuild"],
        env={**os.environ, "DATABASE_URL": db, "TODO_ENVIRONMENT": "test"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert rebuild.returncode == 0, rebuild.stdout + rebuild.stderr
    assert "rebuild: 0 difference(s)" in rebuild.stdout
    log = (tmp_path / "server.log").read_text()
    assert '"request_id"' in log and "Traceback" not in log
    assert '"user_id": 1' in log  # authenticated requests' log lines say whose they were
    assert "a long secret" not in log and signup.json()["access_token"] not in log
