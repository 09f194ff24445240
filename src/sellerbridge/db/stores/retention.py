"""The retention flow's store (``domain.ports.retention.RetentionStore``): each batch its own transaction."""

from __future__ import annotations

from datetime import datetime

from ...domain.ports.retention import RetentionPolicy
from ..repositories.retention import PRUNERS
from ..store import Store


class DbRetentionStore:
    def __init__(self, store: Store, policy: RetentionPolicy) -> None:
        self._store = store
        self.policy = policy

    def prune(self, kind: str, *, before: datetime, limit: int) -> int:
        with self._store.uow() as session:
            return PRUNERS[kind](session, before=before, limit=limit)
