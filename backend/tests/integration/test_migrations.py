"""The migrations build exactly the schema the code declares (todo.storage.tables)."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import new_database
from todo.storage.tables import Base


def _diff(connection: Any) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


# SQLite cannot reflect the expression index on lower(title); PostgreSQL compares it.
@pytest.mark.filterwarnings("ignore:.*expression-based index")
@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
async def test_migrated_schema_matches_the_tables(
    kind: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    url = await new_database(kind, request, tmp_path_factory.mktemp("migrations"))
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            diff = await connection.run_sync(_diff)
    finally:
        await engine.dispose()
    assert diff == []
