"""Unit of work: the only place that commits (DESIGN.md section 2).

    with UnitOfWork(session_factory) as session:
        orders.insert_order(session, box, ...)
        watermarks.set_watermark(session, ...)
    # committed here together; an exception anywhere above rolls everything back

Repositories take the ``Session`` and never commit. A write unit of work begins with
``BEGIN IMMEDIATE`` on SQLite (see ``db/engine.py``: it takes the write lock before reading, so a
read-then-write never fails with "database is locked"); ``read_only=True`` begins a plain deferred
transaction, never takes the write lock, and always rolls back.

Keep write units of work short and never hold one across a network call (Amazon, a webhook): on
SQLite every other writer waits for it, and gives up after the 5 s busy timeout.
"""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from .engine import SQLITE_BEGIN_OPTION


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    # Repositories return plain records, not ORM objects: nothing to expire, nothing to autoflush.
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)


class UnitOfWork:
    """A transaction as a context manager: commit on success, rollback on any exception."""

    def __init__(self, session_factory: sessionmaker[Session], *, read_only: bool = False) -> None:
        self._factory = session_factory
        self._read_only = read_only
        self._session: Session | None = None

    def __enter__(self) -> Session:
        mode = "DEFERRED" if self._read_only else "IMMEDIATE"
        self._session = self._factory(execution_options={SQLITE_BEGIN_OPTION: mode})
        return self._session

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        session, self._session = self._session, None
        if session is None:
            return
        try:
            if exc_type is None and not self._read_only:
                session.commit()
            else:
                session.rollback()
        finally:
            session.close()
