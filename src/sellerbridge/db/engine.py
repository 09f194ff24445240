"""Engines and migrations: SQLite (WAL) by default, PostgreSQL by URL (DESIGN.md section 3).

SQLite, for the embedded mode, gets on every new connection: WAL (readers never block the writer),
foreign keys ON (off by default in SQLite), a 5 s busy timeout (a second writer waits instead of
failing) and ``synchronous=NORMAL`` (with WAL a process crash loses nothing committed; only a power
cut can drop the last transactions, never corrupt the file). Python's sqlite3 "legacy transaction
control" is replaced by our own ``BEGIN``: a write unit of work starts with ``BEGIN IMMEDIATE`` so it
takes the write lock before it reads; a deferred transaction that read first and writes later would
fail with "database is locked" the moment another writer committed in between, and the busy
timeout cannot help there.

The SQLite file is created 0600 before SQLite opens it (its ``-wal`` and ``-shm`` take the database
file's mode), and narrowed on every new connection should an older version have left it looser
(``db/files.py``, B13).

The schema is created only by migrations: :func:`migrate` upgrades a database to the head revision
with the Alembic scripts shipped inside the package (no ``alembic.ini`` in the working directory).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url

from .files import private_file, private_sqlite_files

# A second writer waits this long for the lock before "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 5000
# Execution option naming how a SQLite transaction begins: "DEFERRED" (readers) or "IMMEDIATE" (writers).
SQLITE_BEGIN_OPTION = "sellerbridge_sqlite_begin"
_PACKAGE_DIR = Path(__file__).resolve().parent
# PostgreSQL advisory lock key held while migrating, so two processes starting at once take turns.
_MIGRATION_LOCK_KEY = 0x5E11E2B1


def normalize_url(url: str | URL) -> URL:
    """``postgresql://`` and ``postgres://`` mean the psycopg 3 driver (the only one installed)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def make_engine(url: str | URL, **kwargs: Any) -> Engine:
    """An engine for ``url`` with the hub's connection settings (see the module docstring)."""
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        on_disk = database if database and database != ":memory:" and not database.startswith("file:") else None
        if on_disk:
            private_file(on_disk, create=True)
        engine = create_engine(parsed, **kwargs)
        _configure_sqlite(engine, on_disk)
        return engine
    kwargs.setdefault("pool_pre_ping", True)  # a restarted server must not fail the next job
    return create_engine(parsed, **kwargs)


def _configure_sqlite(engine: Engine, database: str | None) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module; _on_begin emits BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()
        if database:  # the -wal and -shm exist now (WAL): none of the files readable by others (B13)
            private_sqlite_files(database)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get(SQLITE_BEGIN_OPTION, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


def alembic_config() -> Config:
    """The packaged Alembic configuration (``db/alembic.ini`` + ``db/migrations``)."""
    config = Config(str(_PACKAGE_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(_PACKAGE_DIR / "migrations"))
    return config


def upgrade_to_head(engine: Engine) -> None:
    """Upgrade the database behind ``engine`` to the newest revision; a no-op when already there."""
    config = alembic_config()
    with engine.connect() as connection:
        connection = connection.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})
        with connection.begin():
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
            config.attributes["connection"] = connection
            command.upgrade(config, "head")


def migrate(target: Engine | str | URL) -> None:
    """Upgrade a database, given by engine or URL, to head (the CLI, bootstrap and tests call this)."""
    if isinstance(target, Engine):
        upgrade_to_head(target)
        return
    engine = make_engine(target)
    try:
        upgrade_to_head(engine)
    finally:
        engine.dispose()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None: never migrated)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
