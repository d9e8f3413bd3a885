"""Dependencies routes declare with `Annotated`: the unit of work, the caller, If-Match."""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from todo.auth import tokens
from todo.bootstrap import Runtime
from todo.observability import tracing
from todo.settings import Settings
from todo.storage.uow import UnitOfWork

_bearer = HTTPBearer(auto_error=False, description="The access_token from signup or login")


class NotAuthenticated(Exception):
    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class BadPrecondition(Exception):
    pass


# The dependencies are `async def` although none awaits: FastAPI runs a plain `def` dependency
# in its thread pool, a thread hand-off per dependency per request (~6% of the api's CPU at
# 100 creates/s, measured with py-spy).


async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_settings(runtime: RuntimeDep) -> Settings:
    return runtime.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


async def get_uow(runtime: RuntimeDep) -> UnitOfWork:
    return runtime.uow()


UowDep = Annotated[UnitOfWork, Depends(get_uow)]


async def current_user_id(
    runtime: RuntimeDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> int:
    """The caller's user id: a valid token of an existing account."""
    if credentials is None:
        raise NotAuthenticated("send Authorization: Bearer <access_token> from /api/auth/login")
    try:
        user_id = await runtime.auth.user_id(credentials.credentials)
    except tokens.InvalidToken as exc:
        raise NotAuthenticated(f"the bearer token is not valid: {exc}; log in again") from exc
    structlog.contextvars.bind_contextvars(user_id=user_id)  # on the request's log lines
    return user_id


CurrentUserId = Annotated[int, Depends(current_user_id)]


async def if_match(
    value: Annotated[
        str | None,
        Header(
            alias="If-Match",
            description='The task version from its ETag, quoted ("3") or bare (3); * for any',
            max_length=100,
        ),
    ] = None,
) -> int | None:
    if value is None or value.strip() == "*":
        return None
    text = value.strip()
    if text.startswith("W/"):
        text = text[2:]
    text = text.strip('"')
    if not text.isdigit() or len(text) > 18:
        raise BadPrecondition(f'If-Match must be a task version such as "3", not {value!r}')
    return int(text)


IfMatch = Annotated[int | None, Depends(if_match)]


async def traceparent(
    value: Annotated[str | None, Header(alias="traceparent", include_in_schema=False)] = None,
) -> str | None:
    """The request's trace, stored with its outbox rows: the server span's when tracing is on,
    else the caller's header as given."""
    return tracing.current_traceparent() or (value if value and len(value) <= 100 else None)


TraceParent = Annotated[str | None, Depends(traceparent)]
