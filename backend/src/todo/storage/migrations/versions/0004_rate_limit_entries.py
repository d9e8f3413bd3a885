"""rate limit entries: login throttling shared by every api replica

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from todo.storage.types import BigId

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_limit_entries",
        sa.Column("id", BigId, nullable=False),
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("at", sa.Double(), nullable=False),
        sa.Column("expires_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_limit_entries")),
    )
    op.create_index("ix_rate_limit_entries_key_at", "rate_limit_entries", ["key", "at"])
    op.create_index("ix_rate_limit_entries_expires_at", "rate_limit_entries", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_rate_limit_entries_expires_at", table_name="rate_limit_entries")
    op.drop_index("ix_rate_limit_entries_key_at", table_name="rate_limit_entries")
    op.drop_table("rate_limit_entries")
