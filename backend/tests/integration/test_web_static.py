"""The web app's files at `/` with the SPA fallback, while every server route keeps working."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager

from tests.support.api import fresh_database, settings_for
from todo.api.app import create_app
from todo.api.web import SECURITY_HEADERS

INDEX = '<!doctype html><html><body><div id="root"></div></body></html>'


@pytest.fixture(scope="module")
async def web(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[httpx.AsyncClient]:
    dist = tmp_path_factory.mktemp("dist")
    (dist / "index.html").write_text(INDEX)
    (dist / "assets").mkdir()
    (dist / "assets" / "index-abc123.js").write_text("console.log('hi')")
    (dist / "favicon.svg").write_text("<svg/>")
    url = await fresh_database("sqlite", tmp_path_factory.mktemp("db"))
    app = create_app(settings_for(url, static_dir=str(dist)))
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


@pytest.mark.parametrize("path", ["/", "/login", "/tasks/7/history", "/tasks/7/history/"])
async def test_screens_get_index_html(web: httpx.AsyncClient, path: str) -> None:
    response = await web.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.text == INDEX
    assert response.headers["cache-control"] == "no-cache"
    for header, value in SECURITY_HEADERS.items():
        assert response.headers[header] == value
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


async def test_files_and_hashed_assets(web: httpx.AsyncClient) -> None:
    asset = await web.get("/assets/index-abc123.js")
    assert asset.status_code == 200
    assert "javascript" in asset.headers["content-type"]
    assert "immutable" in asset.headers["cache-control"]
    assert asset.headers["x-content-type-options"] == "nosniff"
    assert (await web.get("/favicon.svg")).text == "<svg/>"
    head = await web.head("/tasks/3/history")
    assert head.status_code == 200
    assert head.content == b""


@pytest.mark.parametrize(
    "path", ["/assets/missing.js", "/api/nope", "/api", "/ws/x", "/internal/x", "/metrics/x"]
)
async def test_missing_files_and_server_paths_are_problem_404(
    web: httpx.AsyncClient, path: str
) -> None:
    response = await web.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_api_routes_keep_their_answers(web: httpx.AsyncClient) -> None:
    assert (await web.get("/healthz")).json() == {"status": "ok"}
    assert (await web.get("/readyz")).status_code == 200
    assert (await web.get("/openapi.json")).json()["info"]["title"] == "Todo"
    assert "swagger" in (await web.get("/docs")).text.lower()
    assert (await web.get("/metrics")).status_code == 200
    assert (await web.get("/api/tasks")).status_code == 401
    wrong_method = await web.put("/api/tasks")
    assert wrong_method.status_code == 405
    assert wrong_method.headers["content-type"] == "application/problem+json"
    post_screen = await web.post("/tasks/1")
    assert post_screen.status_code == 404
    assert post_screen.headers["content-type"] == "application/problem+json"


async def test_without_a_built_app_root_is_404(tmp_path: Path) -> None:
    url = await fresh_database("sqlite", tmp_path)
    app = create_app(settings_for(url, static_dir=str(tmp_path / "absent")))
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            assert (await client.get("/")).status_code == 404
            assert (await client.get("/healthz")).status_code == 200
