"""reminder schedule of the reminders service

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from todo.storage.types import BigId, UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reminder_schedule",
        sa.Column("task_id", BigId, autoincrement=False, nullable=False),
        sa.Column("user_id", BigId, nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=True),
        sa.Column("remind_at", UTCDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("task_id", name=op.f("pk_reminder_schedule")),
    )
    op.create_index(
        "ix_reminder_schedule_pending",
        "reminder_schedule",
        ["remind_at"],
        postgresql_where=sa.text("sent_at IS NULL"),
        sqlite_where=sa.text("sent_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_reminder_schedule_pending", table_name="reminder_schedule")
    op.drop_table("reminder_schedule")
