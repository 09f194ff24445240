"""The store as one object: engine, session factory and the secret box, built once and passed down.

``bootstrap`` (or a test) calls :func:`open_store`; services and flows use ``store.uow()``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session, sessionmaker

from .crypto import SecretBox, load_or_create_key
from .engine import make_engine, upgrade_to_head
from .uow import UnitOfWork, make_session_factory

if TYPE_CHECKING:
    from sellerbridge.settings import Settings


@dataclass(frozen=True, slots=True)
class Store:
    engine: Engine
    session_factory: sessionmaker[Session]
    box: SecretBox

    @classmethod
    def connect(cls, url: str | URL, key: bytes, *, migrate: bool = True) -> Store:
        engine = make_engine(url)
        if migrate:
            upgrade_to_head(engine)
        return cls(engine, make_session_factory(engine), SecretBox(key))

    def uow(self, *, read_only: bool = False) -> UnitOfWork:
        return UnitOfWork(self.session_factory, read_only=read_only)

    def close(self) -> None:
        self.engine.dispose()


def open_store(settings: Settings, *, migrate: bool = True) -> Store:
    """The hub's store from process settings: database URL, secret key, schema at head."""
    return Store.connect(settings.resolved_database_url(), load_or_create_key(settings), migrate=migrate)
