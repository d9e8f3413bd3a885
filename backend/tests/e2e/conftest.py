"""Fixtures for the web app's browser tests: one server with the built app, one Chromium."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.browser import LAUNCH_ARGS, MissingPart, chromium_path, web_dist
from tests.support.server import running_server


@contextmanager
def _web_server(tmp: Path) -> Iterator[str]:
    try:
        dist = web_dist()
    except MissingPart as exc:
        pytest.fail(str(exc), pytrace=False)
    with running_server(
        f"sqlite+aiosqlite:///{tmp}/todo.db",
        tmp / "server.log",
        TODO_STATIC_DIR=str(dist),
        TODO_LOG_JSON="false",
    ) as base:
        yield base


@pytest.fixture(scope="package")
def web_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`todo serve` (SQLite, embedded events) serving the built web app, shared by the tests."""
    with _web_server(tmp_path_factory.mktemp("web")) as base:
        yield base


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    try:
        executable = chromium_path()
    except MissingPart as exc:
        pytest.fail(str(exc), pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def api_user(web_server: str) -> Any:
    """Signs up a fresh user through the API; returns (email, password, token, user)."""

    def make(base: str = web_server) -> tuple[str, str, str, dict[str, Any]]:
        email = f"web-{uuid.uuid4().hex[:10]}@example.com"
        password = "a long secret"
        body = httpx.post(
            f"{base}/api/auth/signup",
            json={"email": email, "password": password},
            timeout=10,
        ).json()
        return email, password, body["access_token"], body["user"]

    return make
