"""Engines and sessions for SQLite (aiosqlite) and PostgreSQL (asyncpg)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from todo.settings import Settings

SessionFactory = async_sessionmaker


def create_engine(settings: Settings, *, pre_ping: bool = True) -> AsyncEngine:
    """`pre_ping` is the default when settings.db_pre_ping is unset."""
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(settings)
    return create_async_engine(
        url,
        echo=settings.db_echo,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_pre_ping=pre_ping if settings.db_pre_ping is None else settings.db_pre_ping,
    )


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _sqlite_engine(settings: Settings) -> AsyncEngine:
    url = make_url(settings.database_url)
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url, echo=settings.db_echo, connect_args={"timeout": 30})

    # SQLite's default deferred transactions fail with "database is locked" when two of them
    # both try to upgrade to a write lock. Taking the write lock up front makes writers queue
    # (busy_timeout) instead; WAL keeps readers off the writer's back.
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # SQLite's own lower() folds ASCII only: "ÉCOLE" would not find "école". Python's
        # str.lower folds like PostgreSQL's lower() does in a UTF-8 database. It replaces the
        # built-in for searches (icontains) and the lower(title) sort index alike (migration
        # 0005 rebuilds that index with it); deterministic, so SQLite may index it.
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker:  # type: ignore[type-arg]
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
