"""Routes other services reach by Dapr service invocation; not part of the public API.

Hidden from the OpenAPI document. Only calls carrying the app token (APP_API_TOKEN, which daprd
sends as `dapr-api-token`) are served, in every mode: without one configured, development
generates one nobody else knows (todo.auth.keys). In a cluster the Ingress does not route
/internal at all and NetworkPolicies admit only sidecars.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Response
from fastapi.responses import JSONResponse

from todo.api.deps import NotAuthenticated, RuntimeDep, SettingsDep, UowDep
from todo.domain.events import task_data
from todo.services import audit
from todo.usecases import tasks as usecases


async def require_app_token(
    settings: SettingsDep,
    token: Annotated[str | None, Header(alias="dapr-api-token")] = None,
) -> None:
    expected = settings.app_api_token
    # Bytes: compare_digest refuses str with non-ASCII characters, which a header can carry.
    if not (expected and token and hmac.compare_digest(token.encode(), expected.encode())):
        raise NotAuthenticated("internal route: the app API token is missing or wrong")


api_router = APIRouter(
    prefix="/internal", include_in_schema=False, dependencies=[Depends(require_app_token)]
)
audit_router = APIRouter(
    prefix="/internal", include_in_schema=False, dependencies=[Depends(require_app_token)]
)


@api_router.post("/tasks/{task_id}/next-occurrence")
async def next_occurrence(task_id: int, user_id: int, uow: UowDep) -> Response:
    task = await usecases.create_next_occurrence(uow, user_id, task_id)
    if task is None:
        return Response(status_code=204)
    return JSONResponse(task_data(task))


@audit_router.get("/history/{user_id}/{task_id}")
async def history(user_id: int, task_id: int, runtime: RuntimeDep) -> dict[str, object]:
    return {"items": await audit.task_history(runtime.ctx, user_id, task_id)}
