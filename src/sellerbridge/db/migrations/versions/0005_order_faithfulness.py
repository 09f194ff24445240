"""Orders as Amazon writes them (issue 9).

- ``orders``: ``programs`` (Amazon's, kept), ``handling`` (what they mean for the warehouse),
  ``ship_not_before`` (a pre-order's release), ``delivered_at`` (Amazon's delivery: the purge clock,
  B13); amounts with three decimals (ISO 4217 exponents go up to 3: BHD, KWD, OMR...).
- ``order_lines``: ``gift_wrap_level``; amounts with three decimals.
- ``order_addresses``: the district/county, the municipality and Brazil's extended fields, encrypted
  (PII, B13).

SQLite: only ``ADD COLUMN`` (in place). Recreating ``orders`` or ``order_lines`` the batch way would
drop the old table inside the migration's transaction, where ``PRAGMA foreign_keys`` cannot be turned
off, and its implicit DELETE would cascade to the order lines and addresses. So the CHECK of
``handling`` is a column constraint of its ``ADD COLUMN``, and the amounts' new precision is written
into the declared types in ``sqlite_schema``: NUMERIC(14, 2) and NUMERIC(15, 3) have the same
affinity (SQLite keeps the values as they are; only the declared text changes), which is the case
SQLite documents ``writable_schema`` for.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
TIMESTAMP = sa.DateTime(timezone=True)
OLD_MONEY, NEW_MONEY = (14, 2), (15, 3)
HANDLINGS = ("parcel", "amazon_carrier", "amazon_delivers", "pickup")
AMOUNTS = {"orders": ("order_total",),
           "order_lines": ("unit_price", "item_tax", "shipping_price", "shipping_tax", "promotion_discount")}
ADDRESS_PII = ("district_or_county", "municipality", "street_name", "street_number", "complement", "neighborhood")
HANDLING_CHECK = "handling IN ({})".format(", ".join(f"'{h}'" for h in HANDLINGS))


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _amount_types(old: tuple[int, int], new: tuple[int, int]) -> None:
    if not _sqlite():
        for table, columns in AMOUNTS.items():
            for name in columns:
                op.alter_column(table, name, type_=sa.Numeric(*new), existing_type=sa.Numeric(*old),
                                existing_nullable=True)
        return
    bind = op.get_bind()
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema=ON")
    for table, columns in AMOUNTS.items():
        sql = bind.execute(sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :t"),
                           {"t": table}).scalar_one()
        for name in columns:
            before, after = f"{name} NUMERIC({old[0]}, {old[1]})", f"{name} NUMERIC({new[0]}, {new[1]})"
            if before not in sql:
                raise RuntimeError(f"{table}.{name} is not declared {before!r}: not migrating blind")
            sql = sql.replace(before, after)
        bind.execute(sa.text("UPDATE sqlite_master SET sql = :sql WHERE type = 'table' AND name = :t"),
                     {"sql": sql, "t": table})
    bind.exec_driver_sql(f"PRAGMA schema_version={int(version) + 1}")  # connections re-read the schema
    bind.exec_driver_sql("PRAGMA writable_schema=OFF")


def upgrade() -> None:
    op.add_column("orders", sa.Column("delivered_at", TIMESTAMP, nullable=True))
    op.add_column("orders", sa.Column("programs", JSON, nullable=True))
    op.add_column("orders", sa.Column("ship_not_before", TIMESTAMP, nullable=True))
    if _sqlite():
        op.execute("ALTER TABLE orders ADD COLUMN handling VARCHAR(16) DEFAULT 'parcel' NOT NULL"
                   f" CONSTRAINT ck_orders_handling CHECK ({HANDLING_CHECK})")
    else:
        op.add_column("orders", sa.Column("handling", sa.String(length=16), server_default="parcel", nullable=False))
        op.create_check_constraint(op.f("ck_orders_handling"), "orders", HANDLING_CHECK)
    op.create_index(op.f("ix_orders_delivered_at"), "orders", ["delivered_at"])
    op.add_column("order_lines", sa.Column("gift_wrap_level", sa.String(length=32), nullable=True))
    for name in ADDRESS_PII:
        op.add_column("order_addresses", sa.Column(f"{name}_enc", sa.Text(), nullable=True))
    _amount_types(OLD_MONEY, NEW_MONEY)


def downgrade() -> None:
    _amount_types(NEW_MONEY, OLD_MONEY)
    for name in ADDRESS_PII:
        op.drop_column("order_addresses", f"{name}_enc")
    op.drop_column("order_lines", "gift_wrap_level")
    op.drop_index(op.f("ix_orders_delivered_at"), "orders")
    if not _sqlite():
        op.drop_constraint(op.f("ck_orders_handling"), "orders", type_="check")
    op.drop_column("orders", "handling")
    op.drop_column("orders", "ship_not_before")
    op.drop_column("orders", "programs")
    op.drop_column("orders", "delivered_at")
