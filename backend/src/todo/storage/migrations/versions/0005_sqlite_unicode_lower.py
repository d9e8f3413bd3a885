"""SQLite: rebuild the lower(title) index with the Unicode-aware lower()

The app now registers a lower() that folds all of Unicode on every SQLite connection
(storage/db.py). Index entries written by SQLite's ASCII-only built-in would disagree with it
for titles such as "École"; REINDEX recomputes them. PostgreSQL: nothing to do.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("REINDEX ix_tasks_user_title")


def downgrade() -> None:
    pass  # the index stays valid for whichever lower() the connection registers
