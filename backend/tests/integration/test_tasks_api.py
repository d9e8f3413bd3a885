"""The task API against a real database: SQLite and PostgreSQL (see conftest's db_kind)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.support.api import User, eventually

PROBLEM = "application/problem+json"


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["title"] and body["detail"] and body["type"]
    return body


async def test_create_returns_the_task_with_location_and_etag(user: User) -> None:
    response = await user.post(
        "/api/tasks",
        json={
            "title": "  Pay rent ",
            "description": "before the 5th",
            "priority": "high",
            "tags": ["Home", "money", "home"],
            "due_at": "2030-01-05T09:00:00+01:00",
            "remind_at": "2030-01-04T18:00:00+01:00",
            "recurrence": "rrule:freq=monthly;bymonthday=5",
        },
    )
    assert response.status_code == 201, response.text
    task = response.json()
    assert response.headers["location"] == f"/api/tasks/{task['id']}"
    assert response.headers["etag"] == '"1"'
    assert task["title"] == "Pay rent"
    assert task["tags"] == ["home", "money"]
    assert task["due_at"] == "2030-01-05T08:00:00Z"
    assert task["remind_at"] == "2030-01-04T17:00:00Z"
    assert task["recurrence"] == "FREQ=MONTHLY;BYMONTHDAY=5"
    assert task["completed"] is False and task["completed_at"] is None
    assert task["version"] == 1 and task["series_id"]
    got = await user.get(f"/api/tasks/{task['id']}")
    assert got.status_code == 200 and got.json() == task
    assert got.headers["etag"] == '"1"'


async def test_patch_is_partial_and_honours_if_match(user: User) -> None:
    task = await user.create(title="draft", description="keep me", due_at="2030-01-01T00:00:00Z")
    url = f"/api/tasks/{task['id']}"
    response = await user.patch(url, json={"title": "final"}, headers={"If-Match": '"1"'})
    assert response.status_code == 200, response.text
    assert response.json()["title"] == "final"
    assert response.json()["description"] == "keep me"
    assert response.headers["etag"] == '"2"'
    stale = await user.patch(url, json={"title": "again"}, headers={"If-Match": '"1"'})
    assert_problem(stale, 412)
    bare = await user.patch(url, json={"due_at": None}, headers={"If-Match": "2"})
    assert bare.status_code == 200 and bare.json()["due_at"] is None
    assert (await user.get(url)).json()["title"] == "final"


async def test_patch_without_change_keeps_the_version(user: User) -> None:
    task = await user.create(title="same")
    response = await user.patch(f"/api/tasks/{task['id']}", json={"title": "same"})
    assert response.json()["version"] == 1


async def test_complete_and_reopen(user: User) -> None:
    task = await user.create()
    url = f"/api/tasks/{task['id']}"
    done = await user.post(f"{url}/complete")
    assert done.status_code == 200
    assert done.json()["completed"] is True and done.json()["completed_at"]
    again = await user.post(f"{url}/complete")
    assert again.json()["version"] == done.json()["version"]
    opened = await user.post(f"{url}/reopen", headers={"If-Match": f'"{done.json()["version"]}"'})
    assert opened.json()["completed"] is False and opened.json()["completed_at"] is None
    assert_problem(await user.post(f"{url}/complete", headers={"If-Match": '"1"'}), 412)


async def test_delete(user: User) -> None:
    task = await user.create()
    url = f"/api/tasks/{task['id']}"
    assert_problem(await user.delete(url, headers={"If-Match": '"7"'}), 412)
    response = await user.delete(url)
    assert response.status_code == 204 and response.content == b""
    assert_problem(await user.get(url), 404)
    assert_problem(await user.delete(url), 404)


async def test_another_users_task_is_not_found(user: User, other_user: User) -> None:
    task = await user.create(title="mine")
    url = f"/api/tasks/{task['id']}"
    for method, path, body in [
        ("GET", url, None),
        ("PATCH", url, {"title": "x"}),
        ("POST", f"{url}/complete", None),
        ("POST", f"{url}/reopen", None),
        ("DELETE", url, None),
        ("GET", f"{url}/history", None),
    ]:
        assert_problem(await other_user.request(method, path, json=body), 404)
    listing = await other_user.get("/api/tasks")
    assert all(t["id"] != task["id"] for t in listing.json()["items"])
    assert (await user.get(url)).json()["title"] == "mine"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "title"),
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "ok", "description": "d" * 10_001}, "description"),
        ({"title": "ok", "priority": "urgent"}, "priority"),
        ({"title": "ok", "tags": ["t"] * 21}, "tags"),
        ({"title": "ok", "tags": [f"t{i}" for i in range(21)]}, "tags"),
        ({"title": "ok", "tags": ["x" * 51]}, "tags"),
        ({"title": "ok", "tags": [" "]}, "tags"),
        ({"title": "ok", "due_at": "tomorrow"}, "due_at"),
        ({"title": "ok", "due_at": "2030-01-01T00:00:00"}, "due_at"),
        ({"title": "ok", "due_at": "9999-12-31T23:00:00-05:00"}, "due_at"),
        ({"title": "ok", "recurrence": "FREQ=SOMETIMES"}, "recurrence"),
        ({"title": "ok", "recurrence": "FREQ=WEEKLY"}, "recurrence"),
        (
            {"title": "ok", "due_at": "2030-01-01T00:00:00Z", "recurrence": "FREQ=MINUTELY"},
            "recurrence",
        ),
        ({"title": "ok", "due_at": "2030-01-01T00:00:00Z", "recurrence": "BYDAY=MO"}, "recurrence"),
        (
            {"title": "ok", "due_at": "2030-01-01T00:00:00Z", "remind_at": "2030-01-02T00:00:00Z"},
            "remind_at",
        ),
        ({"title": "ok\x00"}, "title"),
        ({"title": "ok", "colour": "red"}, "colour"),
    ],
)
async def test_invalid_task_is_422_and_writes_nothing(
    user: User, body: dict[str, Any], field: str
) -> None:
    before = (await user.get("/api/tasks")).json()["total"]
    problem = assert_problem(await user.post("/api/tasks", json=body), 422)
    assert problem["errors"], problem
    assert any(field in [str(p) for p in e["loc"]] for e in problem["errors"]), problem
    assert (await user.get("/api/tasks")).json()["total"] == before


async def test_invalid_rrule_says_why(user: User) -> None:
    response = await user.post(
        "/api/tasks",
        json={"title": "x", "due_at": "2030-01-01T00:00:00Z", "recurrence": "FREQ=DAILY;BYDAY=XX"},
    )
    problem = assert_problem(response, 422)
    assert "RRULE" in problem["detail"]


async def test_patch_rejects_null_for_required_fields(user: User) -> None:
    task = await user.create()
    for field in ("title", "description", "priority", "tags"):
        response = await user.patch(f"/api/tasks/{task['id']}", json={field: None})
        assert_problem(response, 422)


async def test_bad_if_match_is_422(user: User) -> None:
    task = await user.create()
    response = await user.patch(
        f"/api/tasks/{task['id']}", json={"title": "y"}, headers={"If-Match": "banana"}
    )
    assert_problem(response, 422)


async def test_body_over_64_kib_is_413(user: User) -> None:
    response = await user.post(
        "/api/tasks",
        content=b'{"title": "' + b"x" * 70_000 + b'"}',
        headers={"content-type": "application/json"},
    )
    assert_problem(response, 413)


async def test_malformed_json_is_422(user: User) -> None:
    response = await user.post(
        "/api/tasks", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert_problem(response, 422)


async def test_unknown_route_and_wrong_method_are_problems(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/api/nowhere"), 404)
    response = await client.put("/api/tasks")
    assert_problem(response, 405)
    assert "allow" in response.headers


async def _titles(user: User, query: str) -> list[str]:
    response = await user.get(f"/api/tasks?page_size=100&{query}")
    assert response.status_code == 200, response.text
    return [t["title"] for t in response.json()["items"]]


async def test_search_and_title_sort_fold_case_beyond_ascii(user: User) -> None:
    """ "ÉCOLE" finds "école" on both engines (SQLite's own lower() folds ASCII only)."""
    for title in ("école du soir", "ÉCOLE de danse", "Zèbre", "Ärger", "apple"):
        await user.create(title=title)
    assert sorted(await _titles(user, "q=%C3%A9cole")) == ["ÉCOLE de danse", "école du soir"]
    assert sorted(await _titles(user, "q=%C3%84RGER")) == ["Ärger"]
    assert await _titles(user, "q=z%C3%88BRE") == ["Zèbre"]
    titles = await _titles(user, "sort=title")
    assert titles.index("apple") < titles.index("Zèbre")  # case-blind: "apple" before "Zèbre"


async def test_search_filter_sort_and_page(user: User) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    past, soon, later = now - timedelta(days=1), now + timedelta(days=1), now + timedelta(days=9)
    await user.create(title="buy Milk", priority="low", tags=["shop"], due_at=soon.isoformat())
    await user.create(
        title="call mum",
        description="about MILK",
        priority="high",
        tags=["family"],
        due_at=past.isoformat(),
    )
    await user.create(title="Alpha", priority="medium", tags=["shop", "work"])
    done = await user.create(
        title="file taxes", priority="high", tags=["work"], due_at=later.isoformat()
    )
    await user.post(f"/api/tasks/{done['id']}/complete")
    await user.create(title="50% off_sale", priority="none")

    assert sorted(await _titles(user, "q=milk")) == ["buy Milk", "call mum"]
    assert await _titles(user, "q=50%25") == ["50% off_sale"]
    assert await _titles(user, "q=o_f") == []  # "_" is literal, not a wildcard
    assert await _titles(user, "status=completed") == ["file taxes"]
    assert "file taxes" not in await _titles(user, "status=open")
    assert sorted(await _titles(user, "priority=high")) == ["call mum", "file taxes"]
    assert sorted(await _titles(user, "priority=high&priority=low")) == [
        "buy Milk",
        "call mum",
        "file taxes",
    ]
    assert sorted(await _titles(user, "tag=shop")) == ["Alpha", "buy Milk"]
    assert await _titles(user, "tag=shop&tag=work") == ["Alpha"]
    assert await _titles(user, "tag=SHOP&tag=family") == []
    assert await _titles(user, "overdue=true") == ["call mum"]
    before = (now + timedelta(days=2)).isoformat().replace("+", "%2B")
    after = now.isoformat().replace("+", "%2B")
    assert sorted(await _titles(user, f"due_before={before}")) == ["buy Milk", "call mum"]
    assert sorted(await _titles(user, f"due_after={after}")) == ["buy Milk", "file taxes"]

    assert await _titles(user, "sort=due_at") == [
        "call mum",
        "buy Milk",
        "file taxes",
        "Alpha",
        "50% off_sale",
    ]
    # Ties (here: no due date) break on the id, in the same direction as the sort.
    assert await _titles(user, "sort=-due_at") == [
        "file taxes",
        "buy Milk",
        "call mum",
        "50% off_sale",
        "Alpha",
    ]
    by_priority = await _titles(user, "sort=-priority")
    assert by_priority[:2] == ["file taxes", "call mum"] and by_priority[-1] == "50% off_sale"
    assert (await _titles(user, "sort=priority"))[0] == "50% off_sale"
    assert await _titles(user, "sort=title") == [
        "50% off_sale",
        "Alpha",
        "buy Milk",
        "call mum",
        "file taxes",
    ]
    assert await _titles(user, "sort=-created_at") == [
        "50% off_sale",
        "file taxes",
        "Alpha",
        "call mum",
        "buy Milk",
    ]

    page = (await user.get("/api/tasks?sort=title&page=2&page_size=2")).json()
    assert page["total"] == 5 and page["page"] == 2 and page["page_size"] == 2
    assert [t["title"] for t in page["items"]] == ["buy Milk", "call mum"]
    assert (await user.get("/api/tasks?page=9&page_size=2")).json()["items"] == []


@pytest.mark.parametrize(
    "query",
    [
        "sort=colour",
        "sort=--title",
        "page=0",
        "page_size=101",
        "page_size=0",
        "status=maybe",
        "priority=urgent",
        "due_before=yesterday",
        "overdue=perhaps",
    ],
)
async def test_bad_list_query_is_422(user: User, query: str) -> None:
    assert_problem(await user.get(f"/api/tasks?{query}"), 422)


async def test_tags_with_counts(user: User) -> None:
    await user.create(title="a", tags=["home", "urgent"])
    await user.create(title="b", tags=["home"])
    response = await user.get("/api/tags")
    assert response.json() == {
        "items": [{"tag": "home", "count": 2}, {"tag": "urgent", "count": 1}]
    }


async def test_history_lists_events_oldest_first_and_survives_delete(user: User) -> None:
    task = await user.create(title="v1")
    url = f"/api/tasks/{task['id']}"
    await user.patch(url, json={"title": "v2"})
    await user.post(f"{url}/complete")
    await user.post(f"{url}/reopen")
    await user.delete(url)

    async def history() -> httpx.Response:
        return await user.get(f"{url}/history")

    response = await eventually(history, lambda r: len(r.json().get("items", [])) == 5)
    items = response.json()["items"]
    assert [e["event_type"] for e in items] == [
        "created",
        "updated",
        "completed",
        "updated",
        "deleted",
    ]
    assert [e["version"] for e in items] == [1, 2, 3, 4, 5]
    assert items[1]["task_data"]["title"] == "v2"
    assert all(e["task_id"] == task["id"] and e["user_id"] == user.id for e in items)


async def test_completing_a_recurring_task_creates_the_next_one_once(user: User) -> None:
    due = datetime(2030, 1, 7, 9, tzinfo=UTC)  # a Monday
    task = await user.create(
        title="weekly review",
        due_at=due.isoformat(),
        remind_at=(due - timedelta(minutes=30)).isoformat(),
        recurrence="FREQ=WEEKLY;BYDAY=MO",
        tags=["work"],
    )
    await user.post(f"/api/tasks/{task['id']}/complete")

    async def series() -> list[dict[str, Any]]:
        items = (await user.get("/api/tasks?q=weekly review&sort=due_at")).json()["items"]
        return [t for t in items if t["series_id"] == task["series_id"]]

    tasks = await eventually(series, lambda ts: len(ts) == 2)
    assert len(tasks) == 2
    nxt = tasks[1]
    assert nxt["due_at"] == "2030-01-14T09:00:00Z"
    assert nxt["remind_at"] == "2030-01-14T08:30:00Z"
    assert nxt["recurrence"] == "FREQ=WEEKLY;BYDAY=MO" and nxt["tags"] == ["work"]
    assert nxt["completed"] is False
    # Reopening and completing again must not create a second "next" task.
    await user.post(f"/api/tasks/{task['id']}/reopen")
    await user.post(f"/api/tasks/{task['id']}/complete")
    assert len(await eventually(series, lambda ts: len(ts) > 2, timeout=1.0)) == 2


async def test_a_series_is_counted_in_the_users_time_zone(user: User) -> None:
    """Monday 18:00 in Los Angeles is Tuesday 02:00 UTC; the next is Monday 18:00 there again,
    and the Sunday the clocks go back in between does not move it."""
    due = datetime(2030, 10, 28, 18, tzinfo=ZoneInfo("America/Los_Angeles"))  # a Monday (PDT)
    task = await user.create(
        title="team call",
        due_at=due.isoformat(),
        recurrence="FREQ=WEEKLY;BYDAY=MO",
        time_zone="America/Los_Angeles",
    )
    assert task["time_zone"] == "America/Los_Angeles"
    assert task["due_at"] == "2030-10-29T01:00:00Z"
    await user.post(f"/api/tasks/{task['id']}/complete")

    async def series() -> list[dict[str, Any]]:
        items = (await user.get("/api/tasks?q=team call&sort=due_at")).json()["items"]
        return [t for t in items if t["series_id"] == task["series_id"]]

    tasks = await eventually(series, lambda ts: len(ts) == 2)
    assert tasks[1]["due_at"] == "2030-11-05T02:00:00Z"  # Monday 18:00 PST
    assert tasks[1]["time_zone"] == "America/Los_Angeles"


async def test_an_unknown_time_zone_is_refused(user: User) -> None:
    response = await user.post("/api/tasks", json={"title": "x", "time_zone": "Mars/Olympus"})
    assert_problem(response, 422)
    assert "time zone" in response.json()["detail"]
    assert (await user.get("/api/tasks?q=x")).json()["total"] == 0
    assert (await user.create(title="in utc"))["time_zone"] == "UTC"


async def test_me(user: User) -> None:
    response = await user.get("/api/me")
    assert response.json()["email"] == user.email and response.json()["id"] == user.id


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/tasks?q=a%00b", None),
        ("GET", "/api/tasks?tag=a%00b", None),
        ("POST", "/api/tasks", {"title": "a", "tags": ["a\x00b"]}),
        ("POST", "/api/tasks", {"title": "a", "description": "a\x00b"}),
        ("POST", "/api/auth/login", {"email": "a\x00@example.com", "password": "12345678"}),
        ("POST", "/api/auth/signup", {"email": "nul1@example.com", "password": "1234\x005678"}),
        (
            "POST",
            "/api/auth/signup",
            {"email": "nul2@example.com", "password": "12345678", "name": "a\x00"},
        ),
    ],
)
async def test_nul_characters_are_rejected_not_a_500(
    user: User, method: str, path: str, body: dict[str, Any] | None
) -> None:
    # PostgreSQL cannot store NUL in text; it must be a clear 422 (or 401 for login), never 500.
    response = await user.request(method, path, json=body)
    assert response.status_code in (401, 422), response.text


async def test_ids_of_deleted_tasks_are_never_reused(user: User) -> None:
    first = await user.create(title="newest, then deleted")
    assert (await user.delete(f"/api/tasks/{first['id']}")).status_code == 204
    second = await user.create(title="next")
    assert second["id"] > first["id"]
