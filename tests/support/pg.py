"""Databases for tests: a real SQLite file and a real PostgreSQL (127.0.0.1:5432, database ``test``).

PostgreSQL isolation: every pytest process (xdist worker) works in schemas of its own, named after
the worker, the process id and a random tag, selected with ``search_path`` in the URL and dropped
when done. Other test sessions running at the same time never see them.

When PostgreSQL cannot be reached a ``pg`` test FAILS (never skips): in CI (``CI=true``) because the
service is required there, locally with a message saying how to start it or deselect ``-m "not pg"``.

Fixtures (imported into ``tests/conftest.py``):
- ``db_url``: a migrated, empty database; parametrized ``[sqlite]`` and ``[pg]`` (marked ``pg``).
- ``empty_db_url``: a database with no tables at all (migration tests); same parameters.
- ``db_key``: a fresh Fernet key. ``db_store``: a ``Store`` on ``db_url`` with ``db_key``.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from sellerbridge.db.crypto import generate_key
from sellerbridge.db.engine import make_engine, migrate, normalize_url
from sellerbridge.db.store import Store
from sellerbridge.db.tables import metadata

PG_URL_ENV = "SELLERBRIDGE_TEST_PG_URL"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
CONNECT_TIMEOUT_S = 3

DB_BACKENDS = [pytest.param("sqlite", id="sqlite"), pytest.param("pg", id="pg", marks=pytest.mark.pg)]


def pg_base_url() -> str:
    return normalize_url(os.environ.get(PG_URL_ENV, DEFAULT_PG_URL)).render_as_string(hide_password=False)


def require_postgres() -> None:
    """Fail the test (never skip) when PostgreSQL cannot be reached."""
    url = make_url(pg_base_url())
    try:
        with psycopg.connect(
            host=url.host, port=url.port or 5432, user=url.username, password=url.password,
            dbname=url.database, connect_timeout=CONNECT_TIMEOUT_S,
        ):
            pass
    except psycopg.Error as exc:
        where = f"{url.host}:{url.port or 5432}/{url.database}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required in CI and is not reachable at {where}: {exc}", pytrace=False)
        pytest.fail(
            f"PostgreSQL is not reachable at {where} ({exc}). Start it (trust auth, user postgres, database "
            f"test), point {PG_URL_ENV} at one, or deselect these tests with -m 'not pg'.",
            pytrace=False,
        )


def url_with_search_path(url: str, schema: str) -> str:
    parsed = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    return parsed.render_as_string(hide_password=False)


def new_schema_name(tag: str) -> str:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return f"sbt_{worker}_{os.getpid()}_{secrets.token_hex(3)}_{tag}".lower()


@contextmanager
def pg_schema(tag: str = "t") -> Iterator[str]:
    """A new, empty PostgreSQL schema for the duration; yields a URL whose search_path is that schema."""
    require_postgres()
    base = pg_base_url()
    name = new_schema_name(tag)
    admin = create_engine(base, poolclass=NullPool)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{name}"'))
        yield url_with_search_path(base, name)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        admin.dispose()


def truncate_all(url: str) -> None:
    """Empty every table of the hub (ids restart at 1), keeping the schema and its Alembic version."""
    engine = create_engine(url, poolclass=NullPool)
    names = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
    try:
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once per test process; each test gets a copy (a copy is ~1 ms)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()  # the last connection closing checkpoints the WAL into the main file
    return path


@pytest.fixture(scope="session")
def pg_migrated_url() -> Iterator[str]:
    """One migrated schema per test process; tests empty it before use (``db_url``)."""
    with pg_schema("w") as url:
        migrate(url)
        yield url


@pytest.fixture(params=DB_BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "hub.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("pg_migrated_url")
    truncate_all(url)
    return url


@pytest.fixture(params=DB_BACKENDS)
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    with pg_schema("e") as url:
        yield url


@pytest.fixture
def db_key() -> bytes:
    return generate_key()


@pytest.fixture
def db_store(db_url: str, db_key: bytes) -> Iterator[Store]:
    store = Store.connect(db_url, db_key, migrate=False)
    try:
        yield store
    finally:
        store.close()
