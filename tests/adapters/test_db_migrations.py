"""The schema comes only from the packaged Alembic migrations, the same on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, String, Table, inspect, text
from sqlalchemy.exc import IntegrityError

from sellerbridge.db.engine import SQLITE_BUSY_TIMEOUT_MS, alembic_config, current_revision, make_engine, migrate
from sellerbridge.db.tables import metadata

SRC = Path(__file__).resolve().parents[2] / "src" / "sellerbridge"


HEAD = "0002"  # the newest revision in db/migrations/versions: bump with every new migration


def schema_differences(engine, target: MetaData = metadata) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, target)


def test_migrations_on_an_empty_database_give_exactly_the_tables_of_the_code(empty_db_url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no alembic.ini around: the packaged one is used
    engine = make_engine(empty_db_url)
    try:
        assert current_revision(engine) is None
        migrate(engine)
        assert current_revision(engine) == HEAD
        assert schema_differences(engine) == []
        tables = set(inspect(engine).get_table_names())
        assert tables == set(metadata.tables) | {"alembic_version"}
    finally:
        engine.dispose()


def test_the_comparison_would_see_a_missing_table(empty_db_url):
    """A guard on the test above: the comparison does notice a missing table and a changed type."""
    engine = make_engine(empty_db_url)
    try:
        migrate(engine)
        extra = MetaData(naming_convention=metadata.naming_convention)
        for table in metadata.tables.values():
            table.to_metadata(extra)
        Table("not_migrated", extra, Column("id", Integer, primary_key=True))
        extra.tables["orders"].c.amazon_order_id.type = String(40)
        kinds = sorted(diff[0] if isinstance(diff, tuple) else diff[0][0] for diff in schema_differences(engine, extra))
        assert kinds == ["add_table", "modify_type"]
    finally:
        engine.dispose()


def test_migrating_twice_or_from_a_url_is_a_no_op(empty_db_url):
    migrate(empty_db_url)
    migrate(empty_db_url)
    engine = make_engine(empty_db_url)
    try:
        assert current_revision(engine) == HEAD
        assert schema_differences(engine) == []
    finally:
        engine.dispose()


def test_downgrade_to_base_removes_everything_and_upgrade_restores_it(empty_db_url):
    from alembic import command

    engine = make_engine(empty_db_url)
    try:
        migrate(engine)
        config = alembic_config()
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrate(engine)
        assert schema_differences(engine) == []
    finally:
        engine.dispose()


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'nested' / 'hub.sqlite3'}")
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == SQLITE_BUSY_TIMEOUT_MS
    finally:
        engine.dispose()


@pytest.mark.pg
def test_postgresql_urls_without_a_driver_use_psycopg_3():
    engine = make_engine("postgresql://postgres@127.0.0.1:5432/test")
    try:
        assert engine.dialect.driver == "psycopg"
    finally:
        engine.dispose()


def test_foreign_keys_are_enforced_on_both_databases(db_url):
    engine = make_engine(db_url)
    try:
        with pytest.raises(IntegrityError, match=r"(?i)foreign key"), engine.begin() as conn:
            conn.execute(text("INSERT INTO watermarks (connection_id, flow, value, updated_at) "
                              "VALUES (999, 'orders', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
    finally:
        engine.dispose()


def test_no_code_creates_tables_outside_the_migrations():
    offenders = [
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if "create_all(" in path.read_text(encoding="utf-8") and "sandbox" not in path.parts
    ]
    assert offenders == []
