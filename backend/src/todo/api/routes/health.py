"""Liveness, readiness and metrics."""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from todo.api.deps import RuntimeDep
from todo.api.problems import problem

router = APIRouter(tags=["operations"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "A dependency is not reachable"}})
async def readyz(runtime: RuntimeDep) -> Response:
    try:
        async with runtime.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means not ready
        return problem(503, f"database not reachable: {type(exc).__name__}", kind="not-ready")
    return Response('{"status":"ready","database":"ok"}', media_type="application/json")


@router.get("/metrics", response_class=Response, include_in_schema=False)
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
