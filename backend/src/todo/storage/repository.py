"""Repositories: domain objects in, domain objects out; SQL stays here."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, exists, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from todo.domain.accounts import Account
from todo.domain.errors import StaleVersion
from todo.domain.queries import SortKey, Status, TaskQuery
from todo.domain.tasks import Priority, Task
from todo.storage.tables import TaskRow, TaskTagRow, UserRow


def _to_task(row: TaskRow, tags: list[str]) -> Task:
    return Task(
        id=row.id,
        user_id=row.user_id,
        title=row.title,
        description=row.description,
        completed=row.completed,
        priority=Priority.from_rank(row.priority),
        tags=tags,
        due_at=row.due_at,
        remind_at=row.remind_at,
        recurrence=row.recurrence,
        time_zone=row.time_zone,
        series_id=row.series_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        completed_at=row.completed_at,
        version=row.version,
    )


def _columns(task: Task) -> dict[str, Any]:
    return {
        "user_id": task.user_id,
        "title": task.title,
        "description": task.description,
        "completed": task.completed,
        "priority": task.priority.rank,
        "due_at": task.due_at,
        "remind_at": task.remind_at,
        "recurrence": task.recurrence,
        "time_zone": task.time_zone,
        "series_id": task.series_id,
        "created_at": task.created_at,
        "updated_at": task.updated_at,
        "completed_at": task.completed_at,
        "version": task.version,
    }


class TaskRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, task: Task) -> Task:
        result = await self.session.execute(
            insert(TaskRow).values(**_columns(task)).returning(TaskRow.id)
        )
        task.id = result.scalar_one()
        await self._write_tags(task)
        return task

    async def get(self, user_id: int, task_id: int) -> Task | None:
        row = await self.session.scalar(
            select(TaskRow).where(TaskRow.id == task_id, TaskRow.user_id == user_id)
        )
        if row is None:
            return None
        tags = await self._tags_of([row.id])
        return _to_task(row, tags[row.id])

    async def find_in_series(self, series_id: str, due_at: datetime) -> Task | None:
        row = await self.session.scalar(
            select(TaskRow).where(TaskRow.series_id == series_id, TaskRow.due_at == due_at)
        )
        if row is None:
            return None
        return _to_task(row, (await self._tags_of([row.id]))[row.id])

    async def save(self, task: Task, expected_version: int) -> None:
        """Write `task` over the stored row if that row is still at `expected_version`.

        The version check in the WHERE clause makes concurrent writers lose cleanly (412)
        instead of overwriting each other.
        """
        assert task.id is not None
        result = await self.session.execute(
            update(TaskRow)
            .where(
                TaskRow.id == task.id,
                TaskRow.user_id == task.user_id,
                TaskRow.version == expected_version,
            )
            .values(**_columns(task))
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise StaleVersion("the task was changed by someone else; fetch it and retry")
        await self.session.execute(delete(TaskTagRow).where(TaskTagRow.task_id == task.id))
        await self._write_tags(task)

    async def remove(self, task: Task) -> None:
        await self.session.execute(delete(TaskTagRow).where(TaskTagRow.task_id == task.id))
        await self.session.execute(
            delete(TaskRow).where(TaskRow.id == task.id, TaskRow.user_id == task.user_id)
        )

    async def search(self, user_id: int, query: TaskQuery, now: datetime) -> tuple[list[Task], int]:
        where = _filters(user_id, query, now)
        total = await self.session.scalar(select(func.count()).select_from(TaskRow).where(*where))
        stmt = (
            select(TaskRow)
            .where(*where)
            .order_by(*_order(query))
            .limit(query.page_size)
            .offset((query.page - 1) * query.page_size)
        )
        rows = list((await self.session.scalars(stmt)).all())
        tags = await self._tags_of([row.id for row in rows])
        return [_to_task(row, tags[row.id]) for row in rows], int(total or 0)

    async def tag_counts(self, user_id: int) -> list[tuple[str, int]]:
        count = func.count().label("count")
        rows = await self.session.execute(
            select(TaskTagRow.tag, count)
            .where(TaskTagRow.user_id == user_id)
            .group_by(TaskTagRow.tag)
            .order_by(count.desc(), TaskTagRow.tag)
        )
        return [(tag, int(n)) for tag, n in rows.all()]

    async def _write_tags(self, task: Task) -> None:
        if task.tags:
            await self.session.execute(
                insert(TaskTagRow),
                [{"task_id": task.id, "tag": tag, "user_id": task.user_id} for tag in task.tags],
            )

    async def _tags_of(self, task_ids: list[int]) -> dict[int, list[str]]:
        tags: dict[int, list[str]] = defaultdict(list)
        if task_ids:
            rows = await self.session.execute(
                select(TaskTagRow.task_id, TaskTagRow.tag)
                .where(TaskTagRow.task_id.in_(task_ids))
                .order_by(TaskTagRow.task_id, TaskTagRow.tag)
            )
            for task_id, tag in rows.all():
                tags[task_id].append(tag)
        return tags


def _filters(user_id: int, query: TaskQuery, now: datetime) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [TaskRow.user_id == user_id]
    if query.q:
        where.append(
            or_(
                TaskRow.title.icontains(query.q, autoescape=True),
                TaskRow.description.icontains(query.q, autoescape=True),
            )
        )
    if query.status is not None:
        where.append(TaskRow.completed.is_(query.status is Status.completed))
    if query.priorities:
        where.append(TaskRow.priority.in_([p.rank for p in query.priorities]))
    for tag in query.tags:
        where.append(exists().where(and_(TaskTagRow.task_id == TaskRow.id, TaskTagRow.tag == tag)))
    if query.due_before is not None:
        where.append(TaskRow.due_at < query.due_before)
    if query.due_after is not None:
        where.append(TaskRow.due_at > query.due_after)
    if query.overdue:
        where.append(and_(TaskRow.completed.is_(False), TaskRow.due_at < now))
    return where


def _order(query: TaskQuery) -> list[Any]:
    desc = query.sort.descending
    key = query.sort.key
    if key is SortKey.DUE_AT:
        # Tasks without a due date go last whichever way the dates run.
        column = TaskRow.due_at.desc() if desc else TaskRow.due_at.asc()
        order = [TaskRow.due_at.is_(None).asc(), column]
    elif key is SortKey.PRIORITY:
        order = [TaskRow.priority.desc() if desc else TaskRow.priority.asc()]
    elif key is SortKey.TITLE:
        lowered = func.lower(TaskRow.title)
        order = [lowered.desc() if desc else lowered.asc()]
    else:
        order = [TaskRow.created_at.desc() if desc else TaskRow.created_at.asc()]
    # A stable tie-breaker keeps pages from overlapping.
    order.append(TaskRow.id.desc() if desc else TaskRow.id.asc())
    return order


def _to_account(row: UserRow) -> Account:
    return Account(id=row.id, email=row.email, name=row.name, created_at=row.created_at)


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def credentials(self, email: str) -> tuple[Account, str] | None:
        """The account with this (normalized) email and its password hash."""
        row = await self.session.scalar(select(UserRow).where(UserRow.email == email))
        return None if row is None else (_to_account(row), row.password_hash)

    async def by_id(self, user_id: int) -> Account | None:
        row = await self.session.get(UserRow, user_id)
        return None if row is None else _to_account(row)

    async def add(self, email: str, name: str, password_hash: str, now: datetime) -> Account:
        row = UserRow(email=email, name=name, password_hash=password_hash, created_at=now)
        self.session.add(row)
        await self.session.flush()
        return _to_account(row)


async def all_tasks(session: AsyncSession) -> list[Task]:
    """Every task of every user (for `todo events rebuild`; not for request paths)."""
    rows = list((await session.scalars(select(TaskRow).order_by(TaskRow.id))).all())
    repo = TaskRepository(session)
    tags: dict[int, list[str]] = defaultdict(list)
    for start in range(0, len(rows), 500):
        tags.update(await repo._tags_of([r.id for r in rows[start : start + 500]]))
    return [_to_task(row, tags[row.id]) for row in rows]
