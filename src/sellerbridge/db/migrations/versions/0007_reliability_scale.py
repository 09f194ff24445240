"""Reliability and scale (issue 9).

- ``connections.credentials_version``: bumped whenever what a gateway is built from changes (secrets,
  client id, endpoints, seller), so every process rebuilds its cached gateway before its next call
  instead of failing with the old credentials until restarted (G3, A3).

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
    with op.batch_alter_table("connections") as batch:
        batch.add_column(sa.Column("credentials_version", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("connections") as batch:
        batch.drop_column("credentials_version")
