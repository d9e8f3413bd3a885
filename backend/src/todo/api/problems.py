"""RFC 9457 problem details: the one error shape of every route."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

PROBLEM_MEDIA_TYPE = "application/problem+json"


class FieldError(BaseModel):
    loc: list[str | int] = Field(description="Where the bad value is, e.g. ['body', 'title']")
    msg: str
    type: str


class Problem(BaseModel):
    type: str = Field(description="A URI reference naming the kind of problem")
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = None


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_MEDIA_TYPE


def problem(
    status: int,
    detail: str,
    *,
    kind: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> ProblemResponse:
    phrase = HTTPStatus(status).phrase
    body: dict[str, Any] = {
        "type": f"/problems/{kind}" if kind else "about:blank",
        "title": phrase,
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    return ProblemResponse(body, status_code=status, headers=headers)


def _doc(status: int, description: str) -> dict[int | str, dict[str, Any]]:
    # The media type and schema are filled in by api/openapi.py, for every error alike.
    return {status: {"description": description}}


# OpenAPI entries for the statuses a route can answer with beyond 401/422 (see openapi.py).
UNAUTHORIZED = _doc(401, "Missing, malformed or expired bearer token")
NOT_FOUND = _doc(404, "No such task (or not yours)")
STALE = _doc(412, "If-Match names an older version")
CONFLICT = _doc(409, "Conflict")
THROTTLED = _doc(429, "Too many attempts; see Retry-After")
