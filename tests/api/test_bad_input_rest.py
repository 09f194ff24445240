"""Bad input at the REST boundary (issue 9): each cause of a 500 the issue lists, on SQLite and
PostgreSQL, is a clear 4xx and writes nothing.

The causes: Unicode digits where an id is expected, integers above 2^63, lone surrogates (one stored
in a connection setting broke ``GET /api/connections`` for everyone), deeply nested JSON on the
intake, ``client_id: null``, out-of-range dates, NUL bytes and over-long strings (refused by
PostgreSQL, kept by SQLite), and bodies of any size.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from sellerbridge.db.repositories import connections as connection_repo
from sellerbridge.domain.common.errors import ConfigError
from sellerbridge.services import connections as connection_service
from tests.api.conftest import h
from tests.flows.support import World

INTAKE = "/intake/amazon/intake-secret-token"
BEYOND_64_BITS = str(2**63)


def _refused(response: Any, *statuses: int) -> dict[str, Any]:
    """The answer is one of ``statuses`` with the API's error shape (never a 500)."""
    assert response.status_code in statuses, (response.status_code, response.text[:300])
    body = response.json()
    assert body["detail"], body
    return body


def _new_connection(world: World, **changes: Any) -> dict[str, Any]:
    seller = world.sandbox.create_seller(marketplaces=["CA"], catalog_size=2, seed=3)
    return {"name": "acme-ca", "marketplace": "CA", "client_id": seller.client_id,
            "client_secret": seller.client_secret, "refresh_token": seller.refresh_token,
            "seller_id": seller.seller_id, "api_base_url": world.base_url,
            "lwa_token_url": f"{world.base_url}/auth/o2/token", **changes}


def _connection_count(world: World) -> int:
    return world.rows("SELECT COUNT(*) FROM connections")[0][0]


@pytest.mark.parametrize("ref", ["²", "١٢", "１"])
def test_an_id_written_in_unicode_digits_is_refused_not_a_500(bare_api, world: World, ref: str) -> None:
    viewer = h(bare_api, "viewer")
    for path in (f"/api/connections/{ref}", f"/api/orders/{ref}", f"/api/runs/{ref}", f"/api/errors/{ref}"):
        _refused(bare_api.get(path, headers=viewer), 404, 422)
    for path in ("/api/runs", "/api/jobs", "/api/errors", "/api/orders"):
        _refused(bare_api.get(path, params={"connection": ref}, headers=viewer), 400, 404, 422)


def test_an_id_beyond_64_bits_is_refused_not_a_500(bare_api, world: World) -> None:
    viewer, operator = h(bare_api, "viewer"), h(bare_api, "operator")
    for path in (f"/api/connections/{BEYOND_64_BITS}", f"/api/orders/{BEYOND_64_BITS}",
                 f"/api/runs/{BEYOND_64_BITS}", f"/api/errors/{BEYOND_64_BITS}"):
        _refused(bare_api.get(path, headers=viewer), 404, 422)
    _refused(bare_api.post(f"/api/errors/{BEYOND_64_BITS}/dismiss", headers=operator), 404, 422)
    for path in ("/api/errors", "/api/orders"):
        _refused(bare_api.get(path, params={"offset": BEYOND_64_BITS}, headers=viewer), 422)
    _refused(bare_api.get("/api/runs", params={"connection": BEYOND_64_BITS}, headers=viewer), 400, 422)
    schedule = bare_api.put("/api/jobs/orders", params={"connection": world.connection_id},
                            json={"every_seconds": 2**64}, headers=h(bare_api, "admin"))
    _refused(schedule, 422)


def test_a_lone_surrogate_in_a_connection_setting_is_refused_and_nothing_is_written(bare_api, world: World) -> None:
    before = bare_api.get(f"/api/connections/{world.connection_id}", headers=h(bare_api, "viewer")).json()
    body = '{"settings": {"ignored_skus": ["SKU-\\ud800"]}}'  # valid JSON text, not valid Unicode
    r = bare_api.patch(f"/api/connections/{world.connection_id}", content=body,
                       headers={**h(bare_api, "admin"), "content-type": "application/json"})
    _refused(r, 422)
    listing = bare_api.get("/api/connections", headers=h(bare_api, "viewer"))
    assert listing.status_code == 200
    assert listing.json()[0]["settings"] == before["settings"]


def test_the_service_refuses_settings_that_are_not_storable_json(world: World) -> None:
    """The CLI writes through the service: it refuses what the REST API refuses."""
    for bad in ({"ignored_skus": ["SKU-\ud800"]}, {"ignored_skus": ["a\x00b"]}, {"ignored_skus": [7]},
                {"not_before": 5}, {"ignored_skus": ["x" * 20_000]}, {"not_before": "0001-01-01T00:00:00+05:00"},
                {"not_before": "9999-12-31T23:59:59-05:00"}):
        with pytest.raises(ConfigError):
            connection_service.update_connection(world.hub, world.connection_id, order_settings=bad)
    assert "SKU-\ud800" not in json.dumps(connection_service.get_connection(world.hub, world.connection_id).settings)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_stored_setting_that_cannot_be_encoded_does_not_break_the_listing(bare_api, world: World) -> None:
    """A value written before the boundary checked it (SQLite keeps a lone surrogate; PostgreSQL's
    JSONB cannot hold one) is shown replaced, and every other connection is still listed."""
    with world.hub.store.uow() as session:
        connection_repo.update_settings(session, world.connection_id, {"ignored_skus": ["SKU-\ud800"]})
    listing = bare_api.get("/api/connections", headers=h(bare_api, "viewer"))
    assert listing.status_code == 200, listing.text[:300]
    assert listing.json()[0]["settings"]["ignored_skus"] == ["SKU-\ufffd\ufffd\ufffd"]
    one = bare_api.get(f"/api/connections/{world.connection_id}", headers=h(bare_api, "viewer"))
    assert one.status_code == 200


def test_deeply_nested_json_on_the_intake_is_a_400(bare_api, world: World) -> None:
    deep = "[" * 50_000 + "]" * 50_000
    _refused(bare_api.post(INTAKE, content=deep), 400)
    wrapped = json.dumps({"Body": json.dumps({"Message": "{" * 10_000})})  # deep inside the SQS wrapping
    _refused(bare_api.post(INTAKE, content=wrapped), 400)
    assert world.rows("SELECT COUNT(*) FROM pending_fetches")[0][0] == 0


def test_deeply_nested_json_on_any_json_route_is_refused_not_a_500(bare_api, world: World) -> None:
    before = _connection_count(world)
    deep = '{"name": "x", "settings": ' + "[" * 50_000 + "]" * 50_000 + "}"
    for method, path in (("POST", "/api/connections"), ("PATCH", f"/api/connections/{world.connection_id}")):
        r = bare_api.request(method, path, content=deep,
                             headers={**h(bare_api, "admin"), "content-type": "application/json"})
        _refused(r, 400, 422)
    assert _connection_count(world) == before


def test_an_overlong_or_nul_order_id_on_the_intake_is_a_400(bare_api, world: World) -> None:
    from tests.api.test_api import order_change

    for order_id in ("1" * 200, "111-\x00-222"):
        _refused(bare_api.post(INTAKE, json=order_change(world, world.seller_id, order_id)), 400)
    assert world.rows("SELECT COUNT(*) FROM pending_fetches")[0][0] == 0


def test_a_null_client_id_is_refused_and_the_connection_keeps_its_own(bare_api, world: World) -> None:
    admin = h(bare_api, "admin")
    body = _refused(bare_api.patch(f"/api/connections/{world.connection_id}", json={"client_id": None},
                                   headers=admin), 422)
    assert body["detail"][0]["loc"] == ["body", "client_id"]
    _refused(bare_api.patch(f"/api/connections/{world.connection_id}", json={"settings": None}, headers=admin), 422)
    _refused(bare_api.post("/api/connections", json=_new_connection(world, client_id=None), headers=admin), 422)
    shown = bare_api.get(f"/api/connections/{world.connection_id}", headers=h(bare_api, "viewer")).json()
    assert shown["client_id"] == world.creds.client_id


@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "2026-01-01T00:00:00"])
def test_an_authorization_date_out_of_range_is_refused(bare_api, world: World, moment: str) -> None:
    before = _connection_count(world)
    r = bare_api.post("/api/connections", json=_new_connection(world, authorized_at=moment),
                      headers=h(bare_api, "admin"))
    _refused(r, 422)
    assert _connection_count(world) == before


@pytest.mark.parametrize(("field", "value"), [
    ("name", "acme\x00ca"), ("client_id", "client\x00id"), ("seller_id", "A\x00B"),
    ("seller_id", "A" * 33), ("client_id", "c" * 256), ("api_base_url", "http://x/" + "a" * 500),
    ("client_secret", "secret\x00"), ("marketplace", "C\x00A"),
])
def test_nul_bytes_and_overlong_text_are_refused_before_the_database(bare_api, world: World, field: str,
                                                                      value: str) -> None:
    before = _connection_count(world)
    r = bare_api.post("/api/connections", json=_new_connection(world, **{field: value}),
                      headers=h(bare_api, "admin"))
    _refused(r, 422)
    assert json.dumps(value)[1:-1] not in r.text  # the value is never echoed (it may be a secret)
    assert _connection_count(world) == before


def test_nul_bytes_in_query_parameters_are_refused(bare_api, world: World) -> None:
    viewer = h(bare_api, "viewer")
    for path, params in (("/api/orders", {"connection": "a\x00b"}), ("/api/runs", {"flow": "x\x00"}),
                         ("/api/errors", {"kind": "k\x00"}), ("/api/orders", {"status": "Un\x00shipped"})):
        _refused(bare_api.get(path, params=params, headers=viewer), 422)
    r = bare_api.post("/api/api-keys", json={"name": "key\x00", "roles": ["viewer"]}, headers=h(bare_api, "admin"))
    _refused(r, 422)


def test_a_body_over_the_limit_is_refused_before_the_route_runs(bare_api, world: World) -> None:
    """By its Content-Length, before anything is read: a route that reads no body (sync) asks
    for no run."""
    runs_before = world.rows("SELECT COUNT(*) FROM sync_runs")[0][0]
    big = b"x" * (2 * 1024 * 1024)
    r = bare_api.post(f"/api/connections/{world.connection_id}/sync/orders", content=big,
                      headers=h(bare_api, "operator"))
    _refused(r, 413)
    assert world.rows("SELECT COUNT(*) FROM sync_runs")[0][0] == runs_before
    _refused(bare_api.post("/api/connections", content=big,
                           headers={**h(bare_api, "admin"), "content-type": "application/json"}), 413)


def test_a_streamed_body_over_the_limit_is_refused(bare_api, world: World) -> None:
    """Chunked (no Content-Length): counted as it arrives."""
    def chunks() -> Iterator[bytes]:
        for _ in range(40):
            yield b" " * 65_536

    before = _connection_count(world)
    r = bare_api.post("/api/connections", content=chunks(),
                      headers={**h(bare_api, "admin"), "content-type": "application/json"})
    _refused(r, 413)
    assert _connection_count(world) == before
    _refused(bare_api.post(INTAKE, content=chunks()), 413)


def test_a_content_length_that_is_not_a_number_is_a_400(bare_api, world: World) -> None:
    r = bare_api.post("/api/connections", content=b"{}",
                      headers={**h(bare_api, "admin"), "content-type": "application/json", "content-length": "x2"})
    _refused(r, 400)


def test_an_unexpected_error_is_a_bare_500_that_logs_no_buyer_data(world: World, monkeypatch, caplog) -> None:
    """The catch-all: a bug is answered ``{"detail": ...}`` without its message, and logged by type,
    route and stack, never by the message (it may hold SQL parameters or buyer data)."""
    from starlette.testclient import TestClient

    from sellerbridge.api.app import create_api
    from sellerbridge.services import api_keys
    from sellerbridge.services import runs as run_service

    buyer = {"name": "Jane Buyer", "line1": "1 Secret Lane"}  # data, as a bug would meet it

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"{buyer['name']}, {buyer['line1']}")

    monkeypatch.setattr(run_service, "list_runs", broken)
    key = api_keys.create_key(world.hub, "catch-all", ["viewer"])[1]
    with TestClient(create_api(world.hub)) as client:  # raises what reaches the server: nothing must
        r = client.get("/api/runs", headers={"X-API-Key": key})
    assert r.status_code == 500
    assert r.json() == {"detail": "internal error: see the hub's log"}
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "RuntimeError" in logged and "/api/runs" in logged
    assert "Jane Buyer" not in logged and "Secret Lane" not in logged
