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


HEAD = "0012"  # the newest revision in db/migrations/versions: bump with every new migration


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


def test_0003_moves_marks_out_of_watermarks_a_runs_state_out_of_its_counts_and_renames_the_backstop(empty_db_url):
    """An installation of issue 4 keeps its unfinished backlog run and its push marks across the upgrade."""
    from alembic import command

    engine = make_engine(empty_db_url)
    try:
        config = alembic_config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0002")
        at = "2026-11-30 10:00:00"
        state = '{"phase": "report", "report_id": "R1", "mode": "backlog"}'
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO connections (id, name, seller_id, marketplace_id, region, client_id, "
                              "status, settings, created_at, updated_at) VALUES (1, 'c', 'S', 'M', 'na', 'id', "
                              "'active', '{}', :at, :at)"), {"at": at})
            for flow in ("orders", "orders_deferred", "orders_push_seen"):
                conn.execute(text("INSERT INTO watermarks VALUES (1, :f, :at, :at)"), {"f": flow, "at": at})
            conn.execute(text("INSERT INTO sync_runs (id, connection_id, flow, status, created_at, counts) VALUES "
                              "(5, 1, 'orders_backlog', 'running', :at, :counts)"),
                         {"at": at, "counts": '{"created": 3, "backlog": ' + state + "}"})
            conn.execute(text("INSERT INTO jobs (key, connection_id, flow, every_seconds, enabled, failures, "
                              "updated_at) VALUES ('orders_report:1', 1, 'orders_report', 15, :t, 0, :at)"),
                         {"at": at, "t": True})
        migrate(engine)
        with engine.connect() as conn:
            assert [r[0] for r in conn.execute(text("SELECT flow FROM watermarks"))] == ["orders"]
            assert sorted(r[0] for r in conn.execute(text("SELECT name FROM connection_marks"))) == [
                "orders_deferred", "orders_push_seen"]
            counts, moved = conn.execute(text("SELECT counts, state FROM sync_runs WHERE id = 5")).one()
            # one word, one meaning: the report backstop's job is now orders_backstop
            assert list(conn.execute(text("SELECT key, flow FROM jobs"))) == [("orders_backstop:1", "orders_backstop")]
        as_dict = (lambda v: __import__("json").loads(v) if isinstance(v, str) else v)  # noqa: E731
        assert as_dict(counts) == {"created": 3}
        assert as_dict(moved)["report_id"] == "R1"
    finally:
        engine.dispose()
