"""Property-based API testing from /openapi.json against a real server process.

Every documented operation gets generated input, valid and invalid; the server must never
answer 5xx, and every response must match the documented status codes, content types and
schemas. Run on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.api import fresh_database
from tests.support.server import running_server


@pytest.fixture(scope="module")
def server(
    db_kind: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("schemathesis")
    admin = request.getfixturevalue("pg_admin_url") if db_kind == "postgresql" else None
    url = asyncio.run(fresh_database(db_kind, tmp, admin))
    with running_server(url, tmp / "server.log") as base:
        yield base


@pytest.fixture(scope="module")
def auth_headers(server: str) -> dict[str, str]:
    email = f"st-{uuid.uuid4().hex[:8]}@example.com"
    response = httpx.post(
        f"{server}/api/auth/signup", json={"email": email, "password": "property-based"}
    )
    response.raise_for_status()
    token = response.json()["access_token"]
    # A few tasks so that generated ids sometimes hit something.
    for i in range(3):
        httpx.post(
            f"{server}/api/tasks",
            json={"title": f"seed {i}"},
            headers={"Authorization": f"Bearer {token}"},
        ).raise_for_status()
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def api_schema(server: str) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{server}/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_conforms_to_its_schema(case: schemathesis.Case, auth_headers: dict[str, str]) -> None:
    # The bar is: no 5xx, and nothing outside the documented statuses, media types, headers and
    # schemas. The "positive data acceptance" check is left out on purpose: the API validates
    # more than JSON Schema can say (RRULE grammar, remind_at <= due_at, deliverable email
    # domains), so schema-valid input is sometimes, correctly, a 422.
    case.call_and_validate(
        headers=auth_headers,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_headers_conformance,
            response_schema_conformance,
        ],
    )


def test_server_log_has_no_tracebacks(
    server: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    logs = list(Path(tmp_path_factory.getbasetemp()).glob("schemathesis*/server.log"))
    assert logs
    for log in logs:
        assert "Traceback" not in log.read_text(), log
