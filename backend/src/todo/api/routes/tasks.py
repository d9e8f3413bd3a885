"""Tasks: CRUD, complete/reopen, the list with search, filters and sort; tags; history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from todo.api.deps import CurrentUserId, IfMatch, RuntimeDep, TraceParent, UowDep
from todo.api.problems import NOT_FOUND, STALE, UNAUTHORIZED
from todo.api.schemas import (
    History,
    TagCount,
    TagList,
    TaskCreate,
    TaskOut,
    TaskPage,
    TaskUpdate,
    Text,
    UtcDatetime,
)
from todo.domain.errors import TaskNotFound
from todo.domain.events import task_data
from todo.domain.queries import PAGE_SIZE_MAX, Sort, Status, TaskQuery
from todo.domain.tasks import Priority, Task
from todo.usecases import tasks as usecases

router = APIRouter(prefix="/api", tags=["tasks"], responses={**UNAUTHORIZED})


def _out(task: Task, response: Response) -> TaskOut:
    response.headers["ETag"] = f'"{task.version}"'
    return TaskOut.model_validate(task_data(task))


@router.post("/tasks", status_code=status.HTTP_201_CREATED)
async def create_task(
    body: TaskCreate, response: Response, user_id: CurrentUserId, uow: UowDep, trace: TraceParent
) -> TaskOut:
    task = await usecases.create_task(uow, user_id, body.model_dump(), trace)
    response.headers["Location"] = f"/api/tasks/{task.id}"
    return _out(task, response)


@router.get(
    "/tasks",
)
async def list_tasks(
    user_id: CurrentUserId,
    uow: UowDep,
    q: Annotated[
        Text | None, Query(max_length=200, description="Search title and description")
    ] = None,
    status: Status | None = None,
    priority: Annotated[list[Priority] | None, Query(description="Any of these")] = None,
    tag: Annotated[
        list[Annotated[Text, Query(max_length=50)]] | None,
        Query(description="All of these (repeat the parameter)", max_length=20),
    ] = None,
    due_before: UtcDatetime | None = None,
    due_after: UtcDatetime | None = None,
    overdue: bool = False,
    sort: Annotated[
        str,
        Query(
            pattern=r"^-?(due_at|priority|title|created_at)$",
            description="due_at, priority, title or created_at; a leading - means descending",
        ),
    ] = "created_at",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=PAGE_SIZE_MAX)] = 20,
) -> TaskPage:
    query = TaskQuery(
        q=q or None,
        status=status,
        priorities=tuple(priority or ()),
        tags=tuple(t.strip().lower() for t in tag or ()),
        due_before=due_before,
        due_after=due_after,
        overdue=overdue,
        sort=Sort.parse(sort),
        page=page,
        page_size=page_size,
    )
    items, total = await usecases.list_tasks(uow, user_id, query)
    return TaskPage(
        items=[TaskOut.model_validate(task_data(t)) for t in items],
        total=total,
        page=page,
        page_size=page_size,
    )


def _task_id(task_id: int) -> int:
    # Ids are positive 63-bit integers; anything else cannot exist.
    if not 1 <= task_id <= 2**63 - 1:
        raise TaskNotFound(f"task {task_id} does not exist")
    return task_id


@router.get("/tasks/{task_id}", responses={**NOT_FOUND})
async def get_task(
    task_id: int, response: Response, user_id: CurrentUserId, uow: UowDep
) -> TaskOut:
    task = await usecases.get_task(uow, user_id, _task_id(task_id))
    return _out(task, response)


@router.patch("/tasks/{task_id}", responses={**NOT_FOUND, **STALE})
async def update_task(
    task_id: int,
    body: TaskUpdate,
    response: Response,
    user_id: CurrentUserId,
    uow: UowDep,
    expected: IfMatch,
    trace: TraceParent,
) -> TaskOut:
    task = await usecases.update_task(
        uow, user_id, _task_id(task_id), body.changes(), expected, trace
    )
    return _out(task, response)


@router.post("/tasks/{task_id}/complete", responses={**NOT_FOUND, **STALE})
async def complete_task(
    task_id: int,
    response: Response,
    user_id: CurrentUserId,
    uow: UowDep,
    expected: IfMatch,
    trace: TraceParent,
) -> TaskOut:
    task = await usecases.set_completed(uow, user_id, _task_id(task_id), expected, trace, done=True)
    return _out(task, response)


@router.post("/tasks/{task_id}/reopen", responses={**NOT_FOUND, **STALE})
async def reopen_task(
    task_id: int,
    response: Response,
    user_id: CurrentUserId,
    uow: UowDep,
    expected: IfMatch,
    trace: TraceParent,
) -> TaskOut:
    task = await usecases.set_completed(
        uow, user_id, _task_id(task_id), expected, trace, done=False
    )
    return _out(task, response)


@router.delete(
    "/tasks/{task_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**NOT_FOUND, **STALE},
)
async def delete_task(
    task_id: int, user_id: CurrentUserId, uow: UowDep, expected: IfMatch, trace: TraceParent
) -> Response:
    await usecases.delete_task(uow, user_id, _task_id(task_id), expected, trace)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/tasks/{task_id}/history", responses={**NOT_FOUND})
async def task_history(task_id: int, user_id: CurrentUserId, runtime: RuntimeDep) -> History:
    """The task's events, oldest first; still there after the task is deleted."""
    events = await runtime.history(user_id, _task_id(task_id))
    if not events:
        raise TaskNotFound(f"task {task_id} has no history")
    return History.model_validate({"items": events})


@router.get("/tags")
async def list_tags(user_id: CurrentUserId, uow: UowDep) -> TagList:
    counts = await usecases.tag_counts(uow, user_id)
    return TagList(items=[TagCount(tag=tag, count=n) for tag, n in counts])
