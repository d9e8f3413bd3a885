"""Every failure becomes problem+json here, and only here."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from todo.api.deps import BadPrecondition, NotAuthenticated
from todo.api.problems import problem
from todo.auth.throttle import Throttled
from todo.domain import errors as domain
from todo.observability.logging import get_logger

log = get_logger(__name__)


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    return [
        {
            "loc": [str(p) if not isinstance(p, int) else p for p in e["loc"]],
            "msg": e["msg"],
            "type": e["type"],
        }
        for e in exc.errors()
    ]


async def _validation(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = _field_errors(exc)
    first = errors[0] if errors else None
    detail = (
        f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}" if first else "invalid input"
    )
    return problem(422, detail, kind="validation-error", errors=errors)


async def _http(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400:
        # FastAPI's answer to a body it cannot decode (bad UTF-8); malformed JSON is already a
        # 422, so this is one too: every unusable input has the same status and shape.
        return problem(
            422,
            "the request body is not valid UTF-8 JSON",
            kind="validation-error",
            errors=[{"loc": ["body"], "msg": "cannot be decoded", "type": "json_invalid"}],
        )
    details = {404: "no such route", 405: "this route does not accept that method"}
    detail = exc.detail if exc.detail and exc.status_code not in details else None
    return problem(
        exc.status_code,
        str(detail or details.get(exc.status_code, "request failed")),
        headers=dict(exc.headers) if exc.headers else None,
    )


async def _invalid_task(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, domain.InvalidTask)
    errors = [{"loc": ["body", exc.field], "msg": exc.detail, "type": "value_error"}]
    return problem(422, exc.detail, kind="validation-error", errors=errors)


def _simple(status: int, kind: str, headers: dict[str, str] | None = None) -> Any:
    async def handler(_: Request, exc: Exception) -> Response:
        detail = getattr(exc, "detail", None) or str(exc)
        return problem(status, detail, kind=kind, headers=headers)

    return handler


async def _throttled(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, Throttled)
    return problem(
        429,
        f"too many login attempts; try again in {exc.retry_after} s",
        kind="rate-limited",
        headers={"Retry-After": str(exc.retry_after)},
    )


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.error("unhandled error", path=request.url.path, exc_info=exc)
    return problem(500, "internal error; it was logged, try again later", kind="internal")


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(domain.InvalidTask, _invalid_task)
    app.add_exception_handler(domain.TaskNotFound, _simple(404, "not-found"))
    app.add_exception_handler(domain.StaleVersion, _simple(412, "stale-version"))
    app.add_exception_handler(domain.EmailTaken, _simple(409, "email-taken"))
    app.add_exception_handler(domain.BadCredentials, _simple(401, "bad-credentials"))
    app.add_exception_handler(
        NotAuthenticated,
        _simple(401, "not-authenticated", headers={"WWW-Authenticate": "Bearer"}),
    )
    app.add_exception_handler(BadPrecondition, _simple(422, "validation-error"))
    app.add_exception_handler(Throttled, _throttled)
    app.add_exception_handler(Exception, _unexpected)
