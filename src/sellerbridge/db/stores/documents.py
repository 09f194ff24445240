"""The document store (``domain.ports.documents.DocumentStore``) for one connection: report requests and
feed submissions, each call its own short transaction (never held across a call to Amazon)."""

from __future__ import annotations

from datetime import datetime

from ...domain.documents import PENDING, DocumentKind, DocumentRequest, DocumentState
from ..repositories import documents
from ..store import Store

_HUB_STEPS = frozenset({"imported", "renewed", "failed"})  # the hub's own ends: no look at Amazon


class DbDocumentStore:
    def __init__(self, store: Store, connection_id: int) -> None:
        self._store = store
        self.connection_id = connection_id

    def add(self, kind: DocumentKind, *, purpose: str, run_id: int | None, state: DocumentState,
            requested_at: datetime, deadline_at: datetime, attempt: int) -> DocumentRequest:
        with self._store.uow() as session:
            request = documents.add(session, kind, connection_id=self.connection_id, run_id=run_id, purpose=purpose,
                                    amazon_id=state.amazon_id, amazon_type=state.amazon_type,
                                    status=state.status.value, requested_at=requested_at, deadline_at=deadline_at,
                                    attempt=attempt)
        return request

    def get(self, kind: DocumentKind, request_id: int) -> DocumentRequest | None:
        with self._store.uow(read_only=True) as session:
            return documents.get(session, kind, request_id)

    def checked(self, kind: DocumentKind, request_id: int, *, status: str, now: datetime,
                document_id: str | None = None, error: str | None = None) -> DocumentRequest:
        with self._store.uow() as session:
            return documents.update_status(session, kind, request_id, status=status, now=now,
                                           looked=status not in _HUB_STEPS, document_id=document_id, error=error,
                                           finished=status not in PENDING)
