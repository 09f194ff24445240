"""The push path's rows for one connection: pending fetches and connection marks (B1;
``domain.ports.runs.PendingFetches`` / ``ConnectionMarks``), each call its own short transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from ...domain.ports.runs import PendingFetch
from ..repositories import marks, pending_fetches
from ..store import Store


class DbPendingFetches:
    def __init__(self, store: Store, connection_id: int) -> None:
        self._store = store
        self.connection_id = connection_id

    def take(self, limit: int) -> list[PendingFetch]:
        with self._store.uow(read_only=True) as session:
            rows = pending_fetches.oldest(session, self.connection_id, limit)
        return [PendingFetch(r.amazon_order_id, r.hint_at, r.noted_at, r.buyer_requested, r.source) for r in rows]

    def done(self, fetch: PendingFetch) -> None:
        with self._store.uow() as session:
            pending_fetches.remove_served(session, connection_id=self.connection_id,
                                          amazon_order_id=fetch.amazon_order_id, hint_at=fetch.hint_at)

    def waiting(self) -> int:
        with self._store.uow(read_only=True) as session:
            return pending_fetches.count_waiting(session, self.connection_id)


class DbConnectionMarks:
    def __init__(self, store: Store, connection_id: int, now: Callable[[], datetime]) -> None:
        self._store = store
        self.connection_id = connection_id
        self._now = now

    def get(self, name: str) -> datetime | None:
        with self._store.uow(read_only=True) as session:
            return marks.get_mark(session, self.connection_id, name)

    def set(self, name: str, value: datetime) -> None:
        with self._store.uow() as session:
            marks.set_mark(session, self.connection_id, name, value, now=self._now())
