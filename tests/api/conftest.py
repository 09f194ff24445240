"""Fixtures of the API and CLI tests: a served sandbox seller and a hub on ``db_url`` connected to it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from sellerbridge.api.app import create_api
from sellerbridge.bootstrap import build_hub
from sellerbridge.db.crypto import generate_key
from sellerbridge.jobs.queue import make_huey
from sellerbridge.jobs.worker import Worker
from sellerbridge.services import api_keys
from sellerbridge.settings import Settings
from tests.flows.support import RemoteSandboxClock, World, seed_hub
from tests.support.sandbox import Sandbox, live_server


@pytest.fixture
def world(db_url: str, tmp_path, request: pytest.FixtureRequest) -> Iterator[World]:
    """``@pytest.mark.unmapped`` leaves every SKU unmapped (orders go to the error log)."""
    sandbox = Sandbox(time_scale=0.0)
    with live_server(sandbox.app) as base_url:
        creds = sandbox.create_seller(marketplaces=["US"], catalog_size=20, seed=5)
        unmapped: set[str] = set()
        if request.node.get_closest_marker("unmapped"):
            listings = sandbox.http.get(f"/_sandbox/sellers/{creds.seller_id}/listings").json()["listings"]
            unmapped = {listing["sku"] for listing in listings}
        clock = RemoteSandboxClock(base_url, sandbox)
        settings = Settings(data_dir=tmp_path / "hub", database_url=db_url, secret_key=generate_key().decode(),
                            intake_token="intake-secret-token", spapi_application_id="amzn1.sp.solution.test")
        hub = build_hub(settings, clock=clock)
        connection_id = seed_hub(hub, sandbox, base_url, creds, unmapped=unmapped)
        try:
            yield World(sandbox, base_url, creds, hub, connection_id, settings, clock)
        finally:
            hub.close()
            clock.close()


def _keys(world: World) -> dict[str, str]:
    made = {}
    for name, roles in {"viewer": ["viewer"], "operator": ["operator"], "admin": ["admin"],
                        "pii": ["viewer", "view_pii"]}.items():
        made[name] = api_keys.create_key(world.hub, name, roles)[1]
    return made


@pytest.fixture
def runtime(world: World) -> Iterator[Any]:
    """The workers of ``sellerbridge run`` on a SQLite queue beside the API: what the API asks for runs
    there (nothing runs in the web process). No scheduler: only what a test asks for runs."""
    huey = make_huey(world.settings)
    worker = Worker(world.hub, huey, threads=2, name="api-test")
    worker.start()
    try:
        yield huey
    finally:
        worker.stop(timeout=30)


@pytest.fixture
def api(world: World, runtime: Any):
    app = create_api(world.hub, queue=runtime)
    with TestClient(app) as client:
        client.keys = _keys(world)  # type: ignore[attr-defined]
        client.world, client.runtime = world, runtime  # type: ignore[attr-defined]
        yield client


@pytest.fixture
def bare_api(world: World):
    """The API with no runtime at all: what it asks for waits in the jobs table (the test runs it)."""
    with TestClient(create_api(world.hub)) as client:
        client.keys = _keys(world)  # type: ignore[attr-defined]
        yield client


def h(api: Any, who: str) -> dict[str, str]:
    return {"X-API-Key": api.keys[who]}


def wait_for(predicate, timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def map_all_skus(world: World) -> None:
    """Fix the mapping: every listing of the seller mapped to an internal item."""
    from sellerbridge.db.repositories import catalog

    listings = world.sandbox.http.get(f"/_sandbox/sellers/{world.seller_id}/listings").json()["listings"]
    with world.hub.store.uow() as session:
        for sku in sorted({listing["sku"] for listing in listings}):
            asin = next(x["asin"] for x in listings if x["sku"] == sku)
            item = catalog.add_item(session, sku=f"INT-{sku}", description=f"Internal {sku}")
            catalog.set_listing(session, connection_id=world.connection_id, amazon_sku=sku, asin=asin,
                                item_id=item.id)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "unmapped: the world's catalog leaves every Amazon SKU unmapped")
