"""Input that is valid in form but absurd in effect, on SQLite and PostgreSQL.

Each class is refused at the edge with a problem+json 422 (or 401) that changes nothing, and
none of it may stall the event loop: other requests keep being answered meanwhile.
"""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.integration.test_tasks_api import assert_problem
from tests.support.api import User

DUE = datetime(2031, 3, 3, 9, tzinfo=UTC).isoformat()

REFUSED_RULES = [
    # A zero or negative step: dateutil would loop for ever, or walk backwards.
    "FREQ=DAILY;INTERVAL=0",
    "FREQ=HOURLY;INTERVAL=0",
    "FREQ=WEEKLY;INTERVAL=-1",
    "FREQ=MONTHLY;INTERVAL=-12",
    "FREQ=YEARLY;INTERVAL=1001",
    # Never occurs after the due date (some cost dateutil seconds to find out).
    "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
    "FREQ=MONTHLY;BYMONTH=4;BYMONTHDAY=31",
    "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",
    "FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=30",
    "FREQ=HOURLY;BYMONTH=11;BYMONTHDAY=31;BYHOUR=3",
    "FREQ=WEEKLY;UNTIL=20300101T000000Z",
    "FREQ=YEARLY;INTERVAL=100;BYMONTH=2;BYMONTHDAY=29",
    # More often than hourly, through the back door.
    "FREQ=HOURLY;BYMINUTE=0,30",
    "FREQ=DAILY;BYMINUTE=0,15,30,45",
    "FREQ=DAILY;BYHOUR=9;BYSECOND=0,1",
    "FREQ=DAILY;BYMINUTE=0;BYMINUTE=30",
]


async def _count(user: User) -> int:
    return int((await user.get("/api/tasks")).json()["total"])


@pytest.mark.parametrize("rule", REFUSED_RULES)
async def test_absurd_recurrence_is_refused_at_create_and_edit(user: User, rule: str) -> None:
    before = await _count(user)
    response = await user.post("/api/tasks", json={"title": "r", "due_at": DUE, "recurrence": rule})
    problem = assert_problem(response, 422)
    assert problem["errors"][0]["loc"][-1] == "recurrence", problem
    assert await _count(user) == before

    task = await user.create(title="plain", due_at=DUE)
    edit = await user.patch(f"/api/tasks/{task['id']}", json={"recurrence": rule})
    assert_problem(edit, 422)
    after = (await user.get(f"/api/tasks/{task['id']}")).json()
    assert after["recurrence"] is None and after["version"] == task["version"]


async def test_moving_the_due_date_past_the_rules_end_is_refused(user: User) -> None:
    task = await user.create(
        title="ends", due_at=DUE, recurrence="FREQ=DAILY;UNTIL=20310401T000000Z"
    )
    late = datetime(2031, 5, 1, 9, tzinfo=UTC).isoformat()
    assert_problem(await user.patch(f"/api/tasks/{task['id']}", json={"due_at": late}), 422)
    assert (await user.get(f"/api/tasks/{task['id']}")).json()["due_at"] == task["due_at"]


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=HOURLY",
        "FREQ=HOURLY;BYMINUTE=15",
        "FREQ=DAILY;BYHOUR=8,12,18;BYMINUTE=0",
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
        "FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13",
        "FREQ=WEEKLY;INTERVAL=1000",
        "FREQ=DAILY;COUNT=1",
    ],
)
async def test_rare_or_hourly_rules_that_do_occur_are_accepted(user: User, rule: str) -> None:
    task = await user.create(title="ok", due_at=DUE, recurrence=rule)
    assert task["recurrence"] == rule


async def _answered_while(client: httpx.AsyncClient, pending: asyncio.Future[Any]) -> int:
    """How many /healthz requests were answered while `pending` ran (0 if it blocked the loop)."""
    answered = 0
    while not pending.done():
        assert (await client.get("/healthz")).status_code == 200
        answered += 1
        await asyncio.sleep(0.01)
    return answered


async def test_an_expensive_rule_does_not_stall_other_requests(
    client: httpx.AsyncClient, user: User
) -> None:
    """The worst rule costs dateutil ~10 s; meanwhile the server answers everyone else."""
    slow = asyncio.create_task(
        user.post(
            "/api/tasks",
            json={
                "title": "slow",
                "due_at": DUE,
                "recurrence": "FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=30",
            },
        )
    )
    await asyncio.sleep(0.05)
    assert await _answered_while(client, slow) >= 3, "the loop was blocked by the rule"
    assert_problem(await slow, 422)


async def test_password_hashing_does_not_stall_other_requests(
    client: httpx.AsyncClient, user: User
) -> None:
    """Argon2 is slow on purpose; logins are hashed off the event loop."""
    wrong = {"email": user.email, "password": "not the password"}
    logins = asyncio.gather(*(client.post("/api/auth/login", json=wrong) for _ in range(3)))
    assert await _answered_while(client, logins) >= 3, "the loop was blocked by argon2"
    assert {r.status_code for r in await logins} == {401}


# --- text a database cannot store -----------------------------------------------------------

SURROGATES = ["\ud800", "a\udfffb", "\udc00\ud800", "x\x00y"]

TASK_FIELDS: list[tuple[str, Any]] = [
    ("title", "{}"),
    ("description", "{}"),
    ("tags", ["ok", "{}"]),
    ("recurrence", "FREQ=DAILY{}"),
    ("time_zone", "Europe/Paris{}"),
]


def _raw(body: dict[str, Any]) -> dict[str, Any]:
    # json.dumps escapes a lone surrogate as \ud800, as any JSON client may send it; httpx's own
    # encoder would refuse to encode it at all.
    return {
        "content": json.dumps(body).encode(),
        "headers": {"Content-Type": "application/json"},
    }


def _with(template: Any, bad: str) -> Any:
    if isinstance(template, list):
        return [item.format(bad) if "{}" in item else item for item in template]
    return template.format(bad)


@pytest.mark.parametrize("bad", SURROGATES)
@pytest.mark.parametrize(("field", "template"), TASK_FIELDS)
async def test_unstorable_text_in_a_task_is_422(
    user: User, field: str, template: Any, bad: str
) -> None:
    before = await _count(user)
    body = {"title": "t", "due_at": DUE, field: _with(template, bad)}
    assert_problem(await user.post("/api/tasks", **_raw(body)), 422)
    task = await user.create(title="kept")
    patch = await user.patch(f"/api/tasks/{task['id']}", **_raw({field: _with(template, bad)}))
    assert_problem(patch, 422)
    assert (await user.get(f"/api/tasks/{task['id']}")).json()["version"] == task["version"]
    assert await _count(user) == before + 1


@pytest.mark.parametrize("bad", SURROGATES)
@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/auth/signup", {"email": "s{}@example.com", "password": "12345678"}),
        ("/api/auth/signup", {"email": "s@example.com", "password": "1234567{}"}),
        ("/api/auth/signup", {"email": "n@example.com", "password": "12345678", "name": "{}"}),
        ("/api/auth/login", {"email": "l{}@example.com", "password": "12345678"}),
        ("/api/auth/login", {"email": "l@example.com", "password": "1234567{}"}),
    ],
)
async def test_unstorable_text_in_an_account_is_422(
    client: httpx.AsyncClient, path: str, body: dict[str, str], bad: str
) -> None:
    sent = {key: value.format(bad) for key, value in body.items()}
    assert_problem(await client.post(path, **_raw(sent)), 422)


@pytest.mark.parametrize("query", ["q=%ED%A0%80", "tag=%ED%A0%80", "q=%F0%28%8C%BC", "tag=%C0%AF"])
async def test_undecodable_query_text_is_never_a_500(user: User, query: str) -> None:
    response = await user.get(f"/api/tasks?{query}")
    assert response.status_code in (200, 422), response.text


# --- internal routes and headers ------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [{}, {"dapr-api-token": ""}, {"dapr-api-token": "guess"}, {"dapr-api-token": "\u00e9t\u00e9"}],
)
async def test_internal_routes_need_the_app_token_in_every_mode(
    client: httpx.AsyncClient, user: User, headers: dict[str, str]
) -> None:
    """No APP_API_TOKEN is configured here (as under `make run`): one was generated, so
    nobody can create another user's next occurrence or probe task ids."""
    task = await user.create(title="weekly", due_at=DUE, recurrence="FREQ=WEEKLY")
    encoded = {k.encode(): v.encode("utf-8") for k, v in headers.items()}
    response = await client.post(
        f"/internal/tasks/{task['id']}/next-occurrence?user_id={user.id}", headers=encoded
    )
    assert_problem(response, 401)
    assert (await user.get("/api/tasks")).json()["total"] == 1


async def test_answers_with_user_data_are_not_stored_or_sniffed(
    client: httpx.AsyncClient, user: User
) -> None:
    task = await user.create(title="private")
    for response in (
        await user.get("/api/tasks"),
        await user.get(f"/api/tasks/{task['id']}"),
        await user.get("/api/tasks/999999999"),
        await user.get("/api/me"),
        await client.get("/api/me"),
        await client.post("/api/auth/login", json={"email": user.email, "password": "nope-nope"}),
    ):
        assert response.headers["x-content-type-options"] == "nosniff", response.url
        assert response.headers["cache-control"] == "no-store", response.url


async def test_docs_load_no_script_from_elsewhere(client: httpx.AsyncClient) -> None:
    page = await client.get("/docs")
    assert page.status_code == 200
    urls = re.findall(r"""(?:src|href)\s*=\s*['"]([^'"]+)['"]""", page.text)
    urls += re.findall(r"""url:\s*['"]([^'"]+)['"]""", page.text)
    assert urls, page.text
    for url in urls:
        assert url.startswith("/"), f"/docs loads {url} from another origin"
        assert (await client.get(url)).status_code == 200, url
