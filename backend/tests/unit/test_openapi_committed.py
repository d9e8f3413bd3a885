"""The web app's API client is generated from frontend/openapi.json: it must match the API."""

from __future__ import annotations

import json
from pathlib import Path

from todo.api.app import create_app
from todo.settings import Settings

COMMITTED = Path(__file__).resolve().parents[3] / "frontend" / "openapi.json"


def test_committed_openapi_matches_the_backend() -> None:
    produced = create_app(Settings(environment="test")).openapi()
    committed = json.loads(COMMITTED.read_text())
    assert committed == produced, (
        "frontend/openapi.json differs from the API's OpenAPI document: run `make api-client` "
        "(frontend/scripts/gen-api.sh) and commit frontend/openapi.json and "
        "frontend/src/api/schema.d.ts"
    )
