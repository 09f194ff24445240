"""Jobs: schedules, queueing claims and leases of the runtime (G3, H2).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("connection_id", ID, nullable=True),
        sa.Column("flow", sa.String(length=32), nullable=False),
        sa.Column("every_seconds", sa.Integer(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("next_run_at", TIMESTAMP, nullable=True),
        sa.Column("requested_at", TIMESTAMP, nullable=True),
        sa.Column("queued_at", TIMESTAMP, nullable=True),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_expires_at", TIMESTAMP, nullable=True),
        sa.Column("last_started_at", TIMESTAMP, nullable=True),
        sa.Column("last_finished_at", TIMESTAMP, nullable=True),
        sa.Column("last_status", sa.String(length=16), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(["connection_id"], ["connections.id"], name=op.f("fk_jobs_connection_id_connections")),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_jobs")),
    )
    op.create_index(op.f("ix_jobs_next_run_at"), "jobs", ["next_run_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_jobs_next_run_at"), table_name="jobs")
    op.drop_table("jobs")
