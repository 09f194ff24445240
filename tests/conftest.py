"""Shared fixtures. Services (PostgreSQL, Redis) are required in CI: a missing one fails there."""

from __future__ import annotations

import os

import pytest

from tests.support import confinement
from tests.support.pg import (  # noqa: F401  (fixtures: real SQLite and PostgreSQL databases)
    db_key,
    db_store,
    db_url,
    empty_db_url,
    pg_migrated_url,
    sqlite_template,
)
from tests.support.sandbox import Sandbox

confinement.install()  # nothing beside the checkout is read (tests/test_self_contained.py)
# The tests' sandboxes listen on free loopback ports: allowed as connection endpoints, as an operator
# of a local sandbox allows it (issue 9); a test of the allow-list builds its own, narrower settings.
os.environ.setdefault("SELLERBRIDGE_ALLOWED_ENDPOINT_ORIGINS", "http://127.0.0.1:*")


@pytest.fixture
def sandbox() -> Sandbox:
    """An in-process sandbox with a stepped clock (time moves only with ``sandbox.advance``)."""
    return Sandbox(time_scale=0.0)


@pytest.fixture
def seller(sandbox: Sandbox):
    """One US seller with 30 SKUs and an authorized client."""
    creds = sandbox.create_seller(marketplaces=["US"], catalog_size=30, seed=7)
    return sandbox.client_for(creds)
