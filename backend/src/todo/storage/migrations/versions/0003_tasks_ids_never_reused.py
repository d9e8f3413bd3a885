"""task ids are never reused on SQLite (AUTOINCREMENT)

SQLite gives a new row max(rowid)+1, so deleting the newest task handed its id to the next
one, whose history then began with the deleted task's events. PostgreSQL sequences never
reuse ids; there this migration does nothing.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    # Batch mode copies the table into a new one created with AUTOINCREMENT; it cannot reflect
    # the expression index on lower(title), so that one is dropped and made again around it.
    op.drop_index("ix_tasks_user_title", table_name="tasks")
    with op.batch_alter_table(
        "tasks", recreate="always", table_kwargs={"sqlite_autoincrement": True}
    ):
        pass
    op.create_index("ix_tasks_user_title", "tasks", ["user_id", sa.text("lower(title)")])
    # AUTOINCREMENT continues after the largest id ever handed out: seed it with the deleted
    # ids the event store still knows about.
    op.execute("DELETE FROM sqlite_sequence WHERE name = 'tasks'")
    op.execute(
        "INSERT INTO sqlite_sequence (name, seq) SELECT 'tasks', coalesce(max(id), 0) FROM "
        "(SELECT max(id) AS id FROM tasks UNION ALL SELECT max(task_id) FROM event_store)"
    )


def downgrade() -> None:
    pass  # ids that were never reused stay valid without AUTOINCREMENT
