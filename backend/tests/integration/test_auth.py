"""Accounts, tokens and login throttling."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import jwt
import pytest
from asgi_lifespan import LifespanManager
from pydantic import ValidationError

from tests.conftest import new_database
from tests.integration.test_tasks_api import assert_problem
from tests.support.api import AppEnv, User, settings_for, signup
from todo.api.app import create_app
from todo.auth.keys import MissingSecret, ensure_secrets
from todo.clock import utcnow
from todo.settings import Settings


async def test_signup_then_login(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/auth/signup", json={"email": "Ada@Example.COM", "password": "12345678", "name": "Ada"}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["token_type"] == "bearer" and body["access_token"]
    assert body["user"]["email"] == "ada@example.com" and body["user"]["name"] == "Ada"
    login = await client.post(
        "/api/auth/login", json={"email": "ADA@example.com", "password": "12345678"}
    )
    assert login.status_code == 200 and login.json()["user"] == body["user"]
    me = await client.get(
        "/api/me", headers={"Authorization": f"Bearer {login.json()['access_token']}"}
    )
    assert me.json()["id"] == body["user"]["id"]


async def test_email_is_unique_case_insensitively(client: httpx.AsyncClient, user: User) -> None:
    response = await client.post(
        "/api/auth/signup", json={"email": user.email.upper(), "password": "another-pass"}
    )
    assert_problem(response, 409)


@pytest.mark.parametrize(
    "body",
    [
        {"email": "not-an-email", "password": "12345678"},
        {"email": "a@example.com", "password": "1234567"},
        {"email": "a@example.com"},
        {"password": "12345678"},
        {"email": "a@example.com", "password": "12345678", "admin": True},
    ],
)
async def test_invalid_signup_is_422(client: httpx.AsyncClient, body: dict[str, object]) -> None:
    assert_problem(await client.post("/api/auth/signup", json=body), 422)


async def test_wrong_password_and_unknown_email_look_the_same(
    client: httpx.AsyncClient, user: User
) -> None:
    wrong = await client.post(
        "/api/auth/login", json={"email": user.email, "password": "nope-nope"}
    )
    unknown = await client.post(
        "/api/auth/login", json={"email": "ghost@example.com", "password": "nope-nope"}
    )
    assert assert_problem(wrong, 401)["detail"] == assert_problem(unknown, 401)["detail"]


def _token(secret: str, **claims: object) -> str:
    now = utcnow()
    base: dict[str, object] = {
        "sub": "1",
        "aud": "todo-api",
        "iat": now,
        "exp": now + timedelta(hours=1),
    }
    base.update(claims)
    return jwt.encode(base, secret, algorithm="HS256")


ROUTES = [
    ("GET", "/api/me"),
    ("GET", "/api/tasks"),
    ("POST", "/api/tasks"),
    ("GET", "/api/tasks/{id}"),
    ("PATCH", "/api/tasks/{id}"),
    ("DELETE", "/api/tasks/{id}"),
    ("POST", "/api/tasks/{id}/complete"),
    ("POST", "/api/tasks/{id}/reopen"),
    ("GET", "/api/tasks/{id}/history"),
    ("GET", "/api/tags"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
async def test_auth_matrix(
    app_env: AppEnv,
    client: httpx.AsyncClient,
    user: User,
    other_user: User,
    method: str,
    path: str,
) -> None:
    task = await user.create(title="guarded")
    url = path.format(id=task["id"])
    body = {"title": "changed"} if method in ("POST", "PATCH") else None
    secret = app_env.app.state.runtime.settings.jwt_secret
    cases = {
        "no token": {},
        "not bearer": {"Authorization": f"Basic {user.token}"},
        "malformed": {"Authorization": "Bearer not.a.jwt"},
        "expired": {
            "Authorization": "Bearer "
            + _token(secret, sub=str(user.id), exp=utcnow() - timedelta(seconds=5))
        },
        "wrong signature": {"Authorization": "Bearer " + _token("x" * 40, sub=str(user.id))},
        "wrong audience": {
            "Authorization": "Bearer " + _token(secret, sub=str(user.id), aud="other")
        },
        "no subject": {
            "Authorization": "Bearer "
            + jwt.encode({"aud": "todo-api", "exp": utcnow() + timedelta(hours=1)}, secret)
        },
        # Signed with the right key, but nobody: each of these used to answer 500.
        **{
            f"subject {sub!r}": {"Authorization": "Bearer " + _token(secret, sub=sub)}
            for sub in (str(2**31), str(2**63), str(2**70), "0", "-1", "abc", "\uff11\uff12", " ")
        },
        # The constant development key of earlier versions is never accepted.
        "old development key": {
            "Authorization": "Bearer "
            + _token("dev-only-insecure-jwt-secret-change-me", sub=str(user.id))
        },
    }
    for name, headers in cases.items():
        response = await client.request(method, url, json=body, headers=headers)
        problem = assert_problem(response, 401)
        assert response.headers.get("www-authenticate") == "Bearer", name
        assert problem["detail"], name
    # Another user's valid token: task routes answer 404, never 403; lists show nothing of it.
    response = await other_user.request(method, url, json=body)
    if "{id}" in path:
        assert_problem(response, 404)
    elif path == "/api/tasks" and method == "GET":
        assert task["id"] not in [t["id"] for t in response.json()["items"]]
    elif path == "/api/me":
        assert response.json()["id"] == other_user.id
    else:
        assert response.status_code in (200, 201), response.text
    assert (await user.get(f"/api/tasks/{task['id']}")).json()["title"] == "guarded"


@pytest.fixture(params=["sqlite", "postgresql"])
async def strict_replicas(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[list[httpx.AsyncClient]]:
    """Two api replicas (apps) on one database, with tight login limits."""
    url = await new_database(request.param, request, tmp_path_factory.mktemp("throttle"))
    settings = settings_for(url, login_account_rate="3/minute", login_client_rate="6/minute")
    async with contextlib.AsyncExitStack() as stack:
        clients = []
        for _ in range(2):
            app = create_app(settings)
            await stack.enter_async_context(LifespanManager(app))
            transport = httpx.ASGITransport(app=app, client=("10.9.8.7", 1234))
            clients.append(
                await stack.enter_async_context(
                    httpx.AsyncClient(transport=transport, base_url="http://test")
                )
            )
        yield clients


@pytest.fixture
def strict_client(strict_replicas: list[httpx.AsyncClient]) -> httpx.AsyncClient:
    return strict_replicas[0]


async def test_login_is_throttled_per_account(strict_client: httpx.AsyncClient) -> None:
    victim = await signup(strict_client)
    for _ in range(3):
        wrong = {"email": victim.email, "password": "wrong-password"}
        assert (await strict_client.post("/api/auth/login", json=wrong)).status_code == 401
    right = {"email": victim.email, "password": "correct horse"}
    response = await strict_client.post("/api/auth/login", json=right)
    assert_problem(response, 429)
    assert 1 <= int(response.headers["retry-after"]) <= 60


async def test_login_is_throttled_per_client(strict_client: httpx.AsyncClient) -> None:
    responses = [
        await strict_client.post(
            "/api/auth/login", json={"email": f"x{i}@example.com", "password": "whatever1"}
        )
        for i in range(7)
    ]
    assert [r.status_code for r in responses[:6]] == [401] * 6
    assert_problem(responses[6], 429)
    assert int(responses[6].headers["retry-after"]) >= 1


async def test_replicas_share_the_login_limits(strict_replicas: list[httpx.AsyncClient]) -> None:
    """Three failures spread over two replicas lock the account on both (one window, in the
    database): N replicas do not multiply the limit."""
    first, second = strict_replicas
    victim = await signup(first)
    wrong = {"email": victim.email, "password": "wrong-password"}
    for replica in (first, second, first):
        assert (await replica.post("/api/auth/login", json=wrong)).status_code == 401
    right = {"email": victim.email, "password": "correct horse"}
    for replica in (second, first):
        assert_problem(await replica.post("/api/auth/login", json=right), 429)
    # The client limit (6/minute) counted every attempt on both replicas: 6 so far.
    response = await second.post("/api/auth/login", json=right)
    assert_problem(response, 429)


async def test_behind_a_trusted_proxy_each_client_has_its_own_window(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """With TODO_FORWARDED_ALLOW_IPS the client is X-Forwarded-For, not the proxy: one noisy
    client behind the Ingress does not lock everyone else out."""
    url = await new_database("sqlite", request, tmp_path_factory.mktemp("proxy"))
    settings = settings_for(url, login_client_rate="2/minute", forwarded_allow_ips="*")
    app = create_app(settings)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app, client=("10.0.0.5", 4321))  # the proxy
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as proxy:

            async def attempt(client_address: str) -> int:
                response = await proxy.post(
                    "/api/auth/login",
                    json={"email": "nobody@example.com", "password": "whatever1"},
                    headers={"X-Forwarded-For": client_address},
                )
                return response.status_code

            assert [await attempt("203.0.113.7") for _ in range(3)] == [401, 401, 429]
            assert await attempt("198.51.100.9") == 401  # another user behind the same proxy


def test_no_weak_or_missing_key_is_accepted_outside_development(tmp_path: Path) -> None:
    for environment in ("staging", "production"):
        with pytest.raises(ValidationError, match="TODO_JWT_SECRET"):
            Settings(environment=environment)
    for environment in ("development", "test", "production"):
        with pytest.raises(ValidationError, match="TODO_JWT_SECRET"):
            Settings(environment=environment, jwt_secret="short")
    assert Settings(environment="production", jwt_secret="k" * 40).jwt_secret == "k" * 40
    production = Settings(environment="production", jwt_secret="k" * 40, data_dir=str(tmp_path))
    with pytest.raises(MissingSecret, match="APP_API_TOKEN"):
        ensure_secrets(production)


def test_development_makes_random_keys_per_data_directory(tmp_path: Path) -> None:
    """`make run` signs with a key of its own data directory: kept there across restarts,
    readable by its owner only, and another directory has another key."""
    first = ensure_secrets(Settings(environment="development", data_dir=str(tmp_path / "a")))
    again = ensure_secrets(Settings(environment="development", data_dir=str(tmp_path / "a")))
    other = ensure_secrets(Settings(environment="development", data_dir=str(tmp_path / "b")))
    assert first.jwt_secret and len(first.jwt_secret) >= 32
    assert first.jwt_secret == again.jwt_secret != other.jwt_secret
    assert first.app_api_token == again.app_api_token != other.app_api_token
    assert first.app_api_token != first.jwt_secret
    for name in ("jwt-secret", "app-api-token"):
        assert (tmp_path / "a" / name).stat().st_mode & 0o777 == 0o600
    # The SQLite database's directory is the data directory unless told otherwise.
    beside = Settings(
        environment="development", DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/c/x.db"
    )
    assert beside.data_path == tmp_path / "c"


async def test_an_address_spelled_differently_counts_into_the_same_window(
    strict_client: httpx.AsyncClient,
) -> None:
    """Case, surrounding white space and Unicode composition do not open a new window: the
    throttle and the account lookup use one normalisation."""
    response = await strict_client.post(
        "/api/auth/signup", json={"email": "zo\u00eb.k@example.com", "password": "correct horse"}
    )
    assert response.status_code == 201, response.text
    for spelling in (
        " ZO\u00cb.K@EXAMPLE.COM ",
        "zoe\u0308.k@example.com",
        "\tZo\u00eb.K@Example.com\n",
    ):
        wrong = {"email": spelling, "password": "wrong-password"}
        assert (await strict_client.post("/api/auth/login", json=wrong)).status_code == 401
    right = {"email": "zo\u00eb.k@example.com", "password": "correct horse"}
    assert_problem(await strict_client.post("/api/auth/login", json=right), 429)


async def test_every_spelling_of_an_address_logs_into_the_one_account(
    client: httpx.AsyncClient,
) -> None:
    email = f"\u00e5sa-{utcnow().timestamp():.0f}@example.com"
    signed = await client.post("/api/auth/signup", json={"email": email, "password": "12345678"})
    assert signed.status_code == 201, signed.text
    for spelling in (email.upper(), f"  {email}", email.replace("\u00e5", "a\u030a")):
        login = await client.post(
            "/api/auth/login", json={"email": spelling, "password": "12345678"}
        )
        assert (
            login.status_code == 200 and login.json()["user"]["id"] == signed.json()["user"]["id"]
        )
