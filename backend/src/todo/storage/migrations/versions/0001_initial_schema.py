"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-27 22:03:37.502056
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from todo.storage.types import BigId, Json, UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "event_store",
        sa.Column("id", BigId, nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("task_id", BigId, nullable=False),
        sa.Column("user_id", BigId, nullable=False),
        sa.Column("event_type", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("payload", Json, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_store")),
        sa.UniqueConstraint("event_id", name=op.f("uq_event_store_event_id")),
    )
    with op.batch_alter_table("event_store", schema=None) as batch_op:
        batch_op.create_index("ix_event_store_task", ["task_id", "id"], unique=False)

    op.create_table(
        "inbox",
        sa.Column("consumer", sa.String(length=50), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("processed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id", name=op.f("pk_inbox")),
    )
    op.create_table(
        "outbox",
        sa.Column("id", BigId, nullable=False),
        sa.Column("topic", sa.String(length=100), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("payload", Json, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("traceparent", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_pending",
            ["id"],
            unique=False,
            postgresql_where=sa.text("sent_at IS NULL"),
            sqlite_where=sa.text("sent_at IS NULL"),
        )

    op.create_table(
        "users",
        sa.Column("id", BigId, nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "tasks",
        sa.Column("id", BigId, nullable=False),
        sa.Column("user_id", BigId, nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("completed", sa.Boolean(), nullable=False),
        sa.Column("priority", sa.SmallInteger(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=True),
        sa.Column("remind_at", UTCDateTime(), nullable=True),
        sa.Column("recurrence", sa.String(length=500), nullable=True),
        sa.Column("series_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("completed_at", UTCDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_tasks_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
    )
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.create_index("ix_tasks_remind_open", ["remind_at"], unique=False)
        batch_op.create_index(
            "ix_tasks_user_completed_due", ["user_id", "completed", "due_at"], unique=False
        )
        batch_op.create_index("ix_tasks_user_created", ["user_id", "created_at"], unique=False)
        batch_op.create_index("ix_tasks_user_due", ["user_id", "due_at"], unique=False)
        batch_op.create_index("ix_tasks_user_priority", ["user_id", "priority"], unique=False)
        batch_op.create_index("uq_tasks_series_due", ["series_id", "due_at"], unique=True)
    # Case-insensitive title sort; autogenerate cannot see expression indexes.
    op.create_index("ix_tasks_user_title", "tasks", ["user_id", sa.text("lower(title)")])

    op.create_table(
        "task_tags",
        sa.Column("task_id", BigId, nullable=False),
        sa.Column("tag", sa.String(length=50), nullable=False),
        sa.Column("user_id", BigId, nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_task_tags_task_id_tasks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("task_id", "tag", name=op.f("pk_task_tags")),
    )
    with op.batch_alter_table("task_tags", schema=None) as batch_op:
        batch_op.create_index("ix_task_tags_user_tag", ["user_id", "tag"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("task_tags", schema=None) as batch_op:
        batch_op.drop_index("ix_task_tags_user_tag")

    op.drop_table("task_tags")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index("uq_tasks_series_due")
        batch_op.drop_index("ix_tasks_user_title")
        batch_op.drop_index("ix_tasks_user_priority")
        batch_op.drop_index("ix_tasks_user_due")
        batch_op.drop_index("ix_tasks_user_created")
        batch_op.drop_index("ix_tasks_user_completed_due")
        batch_op.drop_index("ix_tasks_remind_open")

    op.drop_table("tasks")
    op.drop_table("users")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_outbox_pending",
            postgresql_where=sa.text("sent_at IS NULL"),
            sqlite_where=sa.text("sent_at IS NULL"),
        )

    op.drop_table("outbox")
    op.drop_table("inbox")
    with op.batch_alter_table("event_store", schema=None) as batch_op:
        batch_op.drop_index("ix_event_store_task")

    op.drop_table("event_store")
