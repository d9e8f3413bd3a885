"""Alembic environment: runs migrations on the async engine the settings name."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from todo.settings import Settings
from todo.storage.db import create_engine
from todo.storage.tables import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    settings = Settings(DATABASE_URL=url) if url else Settings()
    engine = create_engine(settings)
    async with engine.connect() as connection:
        await connection.run_sync(_run)
        await connection.commit()
    await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `todo migrate`")
asyncio.run(_online())
