"""One flow shape (issue 8): run state and items, the document lifecycle, pending fetches, connection marks.

- ``sync_runs``: ``state`` (a stepping flow's state, until now kept inside ``counts["backlog"]``),
  ``items`` (per-item results), ``resume_at`` (when a waiting run continues). Existing backlog and
  backstop states move from ``counts`` to ``state``.
- ``report_requests`` / ``feed_submissions``: one row per document asked of Amazon (G2, H2).
- ``pending_fetches``: the push path's queue, shared by every web replica (B1).
- ``connection_marks``: the push path's marks, until now rows of ``watermarks`` that were no watermarks.
- The flow ``orders_report`` is now ``orders_backstop`` (one meaning per word): its jobs and runs follow.
- ``jobs.requests`` / ``requests_seen``: "run now" counted, so that a request during a run is seen
  whatever the clocks of the processes say.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
TIMESTAMP = sa.DateTime(timezone=True)
DOCUMENT_STATUSES = ("cancelled", "done", "failed", "fatal", "imported", "processing", "queued", "renewed",
                     "requested")
MARKS = ("orders_deferred", "orders_push_seen")  # the push path's marks that lived in watermarks


def _lifecycle(name: str, *extra: sa.Column) -> None:
    statuses = ", ".join(f"'{s}'" for s in DOCUMENT_STATUSES)
    id_column = "amazon_report_id" if name == "report_requests" else "amazon_feed_id"
    op.create_table(
        name,
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("connection_id", ID, nullable=False),
        sa.Column("run_id", ID, nullable=True),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("checks", sa.Integer(), nullable=False),
        sa.Column("requested_at", TIMESTAMP, nullable=False),
        sa.Column("checked_at", TIMESTAMP, nullable=True),
        sa.Column("deadline_at", TIMESTAMP, nullable=False),
        sa.Column("finished_at", TIMESTAMP, nullable=True),
        sa.Column("document_id", sa.String(length=128), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        *extra,
        sa.CheckConstraint(f"status IN ({statuses})", name=op.f(f"ck_{name}_status")),
        sa.ForeignKeyConstraint(["connection_id"], ["connections.id"],
                                name=op.f(f"fk_{name}_connection_id_connections")),
        sa.ForeignKeyConstraint(["run_id"], ["sync_runs.id"], name=op.f(f"fk_{name}_run_id_sync_runs"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
        sa.UniqueConstraint("connection_id", id_column, name=op.f(f"uq_{name}_connection_id_{id_column}")),
    )
    op.create_index(op.f(f"ix_{name}_connection_id_purpose_requested_at"), name,
                    ["connection_id", "purpose", "requested_at"])


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("requests", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("requests_seen", sa.Integer(), server_default="0", nullable=False))
    with op.batch_alter_table("sync_runs") as batch:
        batch.add_column(sa.Column("state", JSON, nullable=True))
        batch.add_column(sa.Column("items", JSON, nullable=True))
        batch.add_column(sa.Column("resume_at", TIMESTAMP, nullable=True))
    _lifecycle("report_requests",
               sa.Column("amazon_report_id", sa.String(length=64), nullable=False),
               sa.Column("report_type", sa.String(length=80), nullable=False))
    _lifecycle("feed_submissions",
               sa.Column("amazon_feed_id", sa.String(length=64), nullable=False),
               sa.Column("feed_type", sa.String(length=80), nullable=False),
               sa.Column("input_document_id", sa.String(length=128), nullable=True))
    op.create_table(
        "pending_fetches",
        sa.Column("connection_id", ID, nullable=False),
        sa.Column("amazon_order_id", sa.String(length=64), nullable=False),
        sa.Column("hint_at", TIMESTAMP, nullable=False),
        sa.Column("noted_at", TIMESTAMP, nullable=False),
        sa.Column("buyer_requested", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["connection_id"], ["connections.id"],
                                name=op.f("fk_pending_fetches_connection_id_connections")),
        sa.PrimaryKeyConstraint("connection_id", "amazon_order_id", name=op.f("pk_pending_fetches")),
    )
    op.create_index(op.f("ix_pending_fetches_connection_id_noted_at"), "pending_fetches",
                    ["connection_id", "noted_at"])
    op.create_table(
        "connection_marks",
        sa.Column("connection_id", ID, nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(["connection_id"], ["connections.id"],
                                name=op.f("fk_connection_marks_connection_id_connections")),
        sa.PrimaryKeyConstraint("connection_id", "name", name=op.f("pk_connection_marks")),
    )
    _move_data()


def _move_data() -> None:
    """Marks out of watermarks; a stepping run's state out of its counts (read and written in Python:
    the same JSON on both dialects)."""
    bind = op.get_bind()
    marks = ", ".join(f"'{m}'" for m in MARKS)
    bind.execute(sa.text(f"INSERT INTO connection_marks (connection_id, name, value, updated_at) "
                         f"SELECT connection_id, flow, value, updated_at FROM watermarks WHERE flow IN ({marks})"))
    bind.execute(sa.text(f"DELETE FROM watermarks WHERE flow IN ({marks})"))
    old, new = "orders_report", "orders_backstop"
    bind.execute(sa.text("UPDATE jobs SET flow = :new, key = :prefix || substr(key, :cut) WHERE flow = :old"),
                 {"new": new, "prefix": new, "old": old, "cut": len(old) + 1})
    bind.execute(sa.text("UPDATE sync_runs SET flow = :new WHERE flow = :old"), {"new": new, "old": old})
    rows = bind.execute(sa.text("SELECT id, counts FROM sync_runs WHERE flow IN ('orders_backlog', 'orders_backstop') "
                                "AND counts IS NOT NULL")).all()
    for run_id, counts in rows:
        counts = json.loads(counts) if isinstance(counts, str) else dict(counts or {})
        state = counts.pop("backlog", None)
        if state is None:
            continue
        bind.execute(sa.text("UPDATE sync_runs SET counts = :counts, state = :state WHERE id = :id").bindparams(
            sa.bindparam("counts", type_=JSON), sa.bindparam("state", type_=JSON)),
            {"counts": counts, "state": state, "id": run_id})


def downgrade() -> None:
    bind = op.get_bind()
    marks = ", ".join(f"'{m}'" for m in MARKS)
    bind.execute(sa.text(f"INSERT INTO watermarks (connection_id, flow, value, updated_at) SELECT connection_id, "
                         f"name, value, updated_at FROM connection_marks WHERE name IN ({marks})"))
    op.drop_table("connection_marks")
    op.drop_index(op.f("ix_pending_fetches_connection_id_noted_at"), table_name="pending_fetches")
    op.drop_table("pending_fetches")
    for name in ("feed_submissions", "report_requests"):
        op.drop_index(op.f(f"ix_{name}_connection_id_purpose_requested_at"), table_name=name)
        op.drop_table(name)
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("requests_seen")
        batch.drop_column("requests")
    with op.batch_alter_table("sync_runs") as batch:
        batch.drop_column("resume_at")
        batch.drop_column("items")
        batch.drop_column("state")
