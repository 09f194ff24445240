"""Alembic environment of sellerbridge: runs on the connection that ``db.engine.upgrade_to_head`` hands in.

Autogenerate (for writing new revisions) compares against ``sellerbridge.db.tables.metadata``;
custom column types are rendered as the plain SQLAlchemy types they store, so revisions never
import application code. SQLite uses batch mode, since it cannot ALTER most things in place.
"""

from __future__ import annotations

from typing import Any

from alembic import context

from sellerbridge.db.engine import make_engine
from sellerbridge.db.tables import metadata
from sellerbridge.db.types import UtcDateTime

config = context.config


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run(connection: Any) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        render_item=render_item,
        compare_type=True,
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run(connection)
        return
    # `alembic -c src/sellerbridge/db/alembic.ini -x url=... revision --autogenerate` for developers.
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("sellerbridge migrations run online only (sellerbridge.db.engine.migrate)")
run_online()
