"""Security (issue 9): the OAuth flow's server-side states and parked authorizations (A2).

- ``oauth_states``: issued states by hash, bound to a browser nonce's hash, single use (``used_at``).
- ``pending_authorizations``: a new refresh token for a connection that already had one, waiting for
  an administrator's confirmation (encrypted).
- ``order_change_subscriptions``: the ORDER_CHANGE subscription the hub created per seller; the
  intake accepts only notifications naming it. Subscriptions made before this revision are not
  known: ``sellerbridge connection subscribe`` once more records them (it reuses Amazon's).
- ``intake_tallies``: the intake's per-connection rate window and refusal totals.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "oauth_states",
        sa.Column("state_hash", sa.String(length=64), nullable=False),
        sa.Column("connection_id", ID, nullable=False),
        sa.Column("binding_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("expires_at", TIMESTAMP, nullable=False),
        sa.Column("used_at", TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(["connection_id"], ["connections.id"], ondelete="CASCADE",
                                name=op.f("fk_oauth_states_connection_id_connections")),
        sa.PrimaryKeyConstraint("state_hash", name=op.f("pk_oauth_states")),
    )
    op.create_index(op.f("ix_oauth_states_expires_at"), "oauth_states", ["expires_at"])
    op.create_table(
        "pending_authorizations",
        sa.Column("connection_id", ID, nullable=False),
        sa.Column("seller_id", sa.String(length=32), nullable=False),
        sa.Column("refresh_token_enc", sa.Text(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(["connection_id"], ["connections.id"], ondelete="CASCADE",
                                name=op.f("fk_pending_authorizations_connection_id_connections")),
        sa.PrimaryKeyConstraint("connection_id", name=op.f("pk_pending_authorizations")),
    )
    op.create_table(
        "order_change_subscriptions",
        sa.Column("seller_id", sa.String(length=32), nullable=False),
        sa.Column("subscription_id", sa.String(length=128), nullable=False),
        sa.Column("destination_id", sa.String(length=128), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("seller_id", name=op.f("pk_order_change_subscriptions")),
    )
    op.create_table(
        "intake_tallies",
        sa.Column("connection_id", ID, nullable=False),
        sa.Column("window_start", TIMESTAMP, nullable=False),
        sa.Column("window_queued", sa.Integer(), nullable=False),
        sa.Column("rate_limited", sa.Integer(), nullable=False),
        sa.Column("foreign_subscription", sa.Integer(), nullable=False),
        sa.Column("foreign_application", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["connection_id"], ["connections.id"], ondelete="CASCADE",
                                name=op.f("fk_intake_tallies_connection_id_connections")),
        sa.PrimaryKeyConstraint("connection_id", name=op.f("pk_intake_tallies")),
    )


def downgrade() -> None:
    op.drop_table("intake_tallies")
    op.drop_table("order_change_subscriptions")
    op.drop_table("pending_authorizations")
    op.drop_index(op.f("ix_oauth_states_expires_at"), table_name="oauth_states")
    op.drop_table("oauth_states")
