"""Fixtures of the order flow tests: a world per test, on SQLite and on PostgreSQL (``db_url``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sellerbridge.bootstrap import build_hub
from sellerbridge.db.crypto import generate_key
from sellerbridge.settings import Settings
from tests.flows.support import RemoteSandboxClock, World, seed_hub
from tests.support.sandbox import Sandbox, live_server


@pytest.fixture
def make_world(db_url: str, tmp_path) -> Iterator:
    """Build the world: a served sandbox seller, a hub on ``db_url`` connected to it, the catalog mapped."""
    closers: list = []

    def make(*, catalog_size: int = 40, unmapped: set[str] = frozenset(), order_settings=None,
             **seller) -> World:
        sandbox = Sandbox(time_scale=0.0)
        server = live_server(sandbox.app)
        base_url = server.__enter__()
        closers.append(lambda: server.__exit__(None, None, None))
        creds = sandbox.create_seller(**{"marketplaces": ["US"], "catalog_size": catalog_size, "seed": 11, **seller})
        clock = RemoteSandboxClock(base_url, sandbox)
        closers.append(clock.close)
        settings = Settings(data_dir=tmp_path / "hub", database_url=db_url, secret_key=generate_key().decode())
        hub = build_hub(settings, clock=clock)
        closers.append(hub.close)
        connection_id = seed_hub(hub, sandbox, base_url, creds, unmapped=unmapped, order_settings=order_settings)
        return World(sandbox, base_url, creds, hub, connection_id, settings, clock)

    yield make
    for close in reversed(closers):
        close()


@pytest.fixture
def world(make_world) -> World:
    return make_world()
