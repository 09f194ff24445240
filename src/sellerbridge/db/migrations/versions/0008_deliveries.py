"""Deliveries to the warehouse: receivers, deliveries, attempts, the receivers' audit (issue 10, B14, B13).

The tables of ``db/tables/deliveries.py``, and ``outbox.connection_id`` with an index, so the delivery
flow finds one connection's new events by (connection_id, id) instead of reading every connection's
(500 connections: one indexed range per run). Events stored before carry the connection in their
payload; they are filled in here. New tables and a plain ADD COLUMN: nothing is rebuilt.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "receivers",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("connection_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("config", JSON, nullable=False),
        sa.Column("secrets_enc", sa.Text(), nullable=True),
        sa.Column("rotation_ends_at", TIMESTAMP, nullable=True),
        sa.Column("file_format", sa.String(length=8), server_default="json", nullable=False),
        sa.Column("paused", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("pii_allowed", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("pii_changed_by", sa.String(length=160), nullable=True),
        sa.Column("pii_changed_at", TIMESTAMP, nullable=True),
        sa.Column("breaker_state", sa.String(length=16), server_default="closed", nullable=False),
        sa.Column("breaker_failures", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("breaker_trips", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("breaker_retry_at", TIMESTAMP, nullable=True),
        sa.Column("event_cursor", ID, server_default=sa.text("0"), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint("kind IN ('webhook', 'local_dir', 'sftp')", name=op.f("ck_receivers_kind")),
        sa.CheckConstraint("file_format IN ('json', 'csv')", name=op.f("ck_receivers_file_format")),
        sa.CheckConstraint("breaker_state IN ('closed', 'open', 'half_open')", name=op.f("ck_receivers_breaker_state")),
        sa.ForeignKeyConstraint(["connection_id"], ["connections.id"],
                                name=op.f("fk_receivers_connection_id_connections")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receivers")),
        sa.UniqueConstraint("connection_id", "name", name=op.f("uq_receivers_connection_id_name")),
    )
    op.create_table(
        "deliveries",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("receiver_id", ID, nullable=False),
        sa.Column("connection_id", ID, nullable=False),
        sa.Column("event_id", ID, nullable=True),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column("order_id", ID, nullable=True),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("next_attempt_at", TIMESTAMP, nullable=True),
        sa.Column("first_attempt_at", TIMESTAMP, nullable=True),
        sa.Column("last_attempt_at", TIMESTAMP, nullable=True),
        sa.Column("acknowledged_at", TIMESTAMP, nullable=True),
        sa.Column("batch_name", sa.String(length=255), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint("status IN ('pending', 'sent', 'acknowledged', 'failed', 'skipped')",
                           name=op.f("ck_deliveries_status")),
        sa.ForeignKeyConstraint(["connection_id"], ["connections.id"],
                                name=op.f("fk_deliveries_connection_id_connections")),
        sa.ForeignKeyConstraint(["event_id"], ["outbox.id"], name=op.f("fk_deliveries_event_id_outbox"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["receiver_id"], ["receivers.id"], name=op.f("fk_deliveries_receiver_id_receivers"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
        sa.UniqueConstraint("receiver_id", "event_id", name=op.f("uq_deliveries_receiver_id_event_id")),
    )
    op.create_index(op.f("ix_deliveries_receiver_id_status_next_attempt_at"), "deliveries",
                    ["receiver_id", "status", "next_attempt_at"], unique=False)
    op.create_index(op.f("ix_deliveries_order_id"), "deliveries", ["order_id"], unique=False)
    op.create_index(op.f("ix_deliveries_status"), "deliveries", ["status"], unique=False)
    op.create_table(
        "delivery_attempts",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("delivery_id", ID, nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("excerpt", sa.String(length=500), nullable=True),
        sa.Column("batch_name", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(["delivery_id"], ["deliveries.id"],
                                name=op.f("fk_delivery_attempts_delivery_id_deliveries"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_attempts")),
    )
    op.create_index(op.f("ix_delivery_attempts_delivery_id_at"), "delivery_attempts", ["delivery_id", "at"],
                    unique=False)
    op.create_table(
        "receiver_audit",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("receiver_id", ID, nullable=False),
        sa.Column("connection_id", ID, nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("actor", sa.String(length=160), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.CheckConstraint("action IN ('added', 'pii_allowed', 'pii_denied', 'secret_rotated', 'rotation_finished', "
                           "'paused', 'resumed')", name=op.f("ck_receiver_audit_action")),
        sa.ForeignKeyConstraint(["connection_id"], ["connections.id"],
                                name=op.f("fk_receiver_audit_connection_id_connections")),
        sa.ForeignKeyConstraint(["receiver_id"], ["receivers.id"],
                                name=op.f("fk_receiver_audit_receiver_id_receivers"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receiver_audit")),
    )
    op.create_index(op.f("ix_receiver_audit_receiver_id_at"), "receiver_audit", ["receiver_id", "at"], unique=False)
    op.add_column("outbox", sa.Column("connection_id", ID, nullable=True))
    op.create_index(op.f("ix_outbox_connection_id_id"), "outbox", ["connection_id", "id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE outbox SET connection_id = (payload->>'connection_id')::bigint "
                   "WHERE payload ? 'connection_id'")
    else:
        op.execute("UPDATE outbox SET connection_id = CAST(json_extract(payload, '$.connection_id') AS INTEGER) "
                   "WHERE json_extract(payload, '$.connection_id') IS NOT NULL")


def downgrade() -> None:
    op.drop_index(op.f("ix_outbox_connection_id_id"), table_name="outbox")
    op.drop_column("outbox", "connection_id")  # in place on SQLite too: a batch rebuild would cascade
    for table in ("receiver_audit", "delivery_attempts", "deliveries", "receivers"):
        op.drop_table(table)
