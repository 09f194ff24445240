"""Reliability and scale (issue 9).

- ``connections.credentials_version``: bumped whenever what a gateway is built from changes (secrets,
  client id, endpoints, seller), so every process rebuilds its cached gateway before its next call
  instead of failing with the old credentials until restarted (G3, A3).
- ``jobs`` of the flow ``orders_backstop`` lose their 15-second schedule: the backstop now runs when the
  poll or the intake asks for it (P9: an idle connection cost 240 ticks an hour). A job waiting to
  continue a report keeps its next run.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN (SQLite has it): a batch rebuild would drop and recreate ``connections``, which
    # SQLite, with foreign keys on, turns into deleting what refers to it.
    op.add_column("connections", sa.Column("credentials_version", sa.Integer(), nullable=False, server_default="1"))
    op.execute("UPDATE jobs SET every_seconds = NULL WHERE flow = 'orders_backstop' AND every_seconds = 15")


def downgrade() -> None:
    op.execute("UPDATE jobs SET every_seconds = 15, next_run_at = COALESCE(next_run_at, updated_at) "
               "WHERE flow = 'orders_backstop' AND every_seconds IS NULL")
    with op.batch_alter_table("connections") as batch:
        batch.drop_column("credentials_version")
