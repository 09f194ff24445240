"""PII at rest (issue 9, B13): the PII access log, indexes for retention, call-log excerpts redacted.

- ``pii_access_log``: one row per view of buyer data (who, channel, order, fields, route, when).
- ``ix_sp_api_calls_at``, ``ix_sync_runs_finished_at``: the retention flow deletes by age in bounded
  batches, hub-wide (the existing indexes lead with the connection).
- Call-log excerpts written before this revision went through a redaction that missed gift messages
  and postal codes: each is redacted again by the one redaction of Amazon documents
  (``domain.common.pii.redact_document``); one that is not whole JSON (a cut page, a body that was
  not JSON) cannot be redacted by key and is replaced by its size. Downgrading keeps them redacted.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from sellerbridge.domain.common.pii import redact_document

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
TIMESTAMP = sa.DateTime(timezone=True)
BATCH = 1000  # call-log rows read per page while redacting


def upgrade() -> None:
    op.create_table(
        "pii_access_log",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("actor", sa.String(length=160), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("connection_id", ID, nullable=True),
        sa.Column("amazon_order_id", sa.String(length=64), nullable=True),
        sa.Column("fields", JSON, nullable=False),
        sa.Column("route", sa.String(length=255), nullable=False),
        sa.CheckConstraint("channel IN ('rest', 'cli', 'preview')", name=op.f("ck_pii_access_log_channel")),
        sa.ForeignKeyConstraint(["connection_id"], ["connections.id"],
                                name=op.f("fk_pii_access_log_connection_id_connections")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pii_access_log")),
    )
    op.create_index(op.f("ix_pii_access_log_at"), "pii_access_log", ["at"])
    op.create_index(op.f("ix_pii_access_log_connection_id_amazon_order_id"), "pii_access_log",
                    ["connection_id", "amazon_order_id"])
    op.create_index(op.f("ix_sp_api_calls_at"), "sp_api_calls", ["at"])
    op.create_index(op.f("ix_sync_runs_finished_at"), "sync_runs", ["finished_at"])
    _redact_call_log()


def _redact_call_log() -> None:
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(sa.text("SELECT id, response_excerpt FROM sp_api_calls WHERE id > :last "
                                    "AND response_excerpt IS NOT NULL ORDER BY id LIMIT :n"),
                            {"last": last, "n": BATCH}).all()
        if not rows:
            return
        for call_id, excerpt in rows:
            redacted = _redacted(excerpt)
            if redacted != excerpt:
                bind.execute(sa.text("UPDATE sp_api_calls SET response_excerpt = :e WHERE id = :id"),
                             {"e": redacted, "id": call_id})
        last = rows[-1][0]


def _redacted(excerpt: str) -> str:
    """The excerpt as the call log writes it now (``amazon/transport/calllog.py``)."""
    try:
        document = json.loads(excerpt)
    except ValueError:
        if excerpt.startswith("[") and excerpt.endswith("not kept]"):  # already the new rule's
            return excerpt
        return f"[{len(excerpt)} characters, not whole JSON: not kept]"
    return json.dumps(redact_document(document), ensure_ascii=False, separators=(",", ":"))


def downgrade() -> None:
    op.drop_index(op.f("ix_sync_runs_finished_at"), table_name="sync_runs")
    op.drop_index(op.f("ix_sp_api_calls_at"), table_name="sp_api_calls")
    op.drop_index(op.f("ix_pii_access_log_connection_id_amazon_order_id"), table_name="pii_access_log")
    op.drop_index(op.f("ix_pii_access_log_at"), table_name="pii_access_log")
    op.drop_table("pii_access_log")
