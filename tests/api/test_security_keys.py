"""Issue 9, view_pii escalation: only a key holding view_pii grants it (the server's CLI too, see
tests/cli/test_apikey_cli.py); keys are revoked over REST, never the last active admin key."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from sellerbridge.api.app import create_api
from sellerbridge.services import api_keys
from tests.flows.support import World


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    with TestClient(create_api(world.hub)) as c:
        yield c


def _key(world: World, name: str, *roles: str) -> tuple[int, dict[str, str]]:
    record, clear = api_keys.create_key(world.hub, name, roles)
    return record.id, {"X-API-Key": clear}


def test_an_admin_key_without_view_pii_cannot_grant_view_pii(world: World, client: TestClient) -> None:
    _, admin = _key(world, "admin", "admin")

    refused = client.post("/api/api-keys", json={"name": "pii-reader", "roles": ["viewer", "view_pii"]}, headers=admin)

    assert refused.status_code == 403 and "only a key with view_pii may grant view_pii" in refused.json()["detail"]
    assert [k.name for k in api_keys.list_keys(world.hub)] == ["admin"]
    assert client.post("/api/api-keys", json={"name": "plain", "roles": ["viewer"]}, headers=admin).status_code == 201


def test_a_key_holding_view_pii_may_grant_it(world: World, client: TestClient) -> None:
    _, pii_admin = _key(world, "pii-admin", "admin", "view_pii")

    made = client.post("/api/api-keys", json={"name": "pii-reader", "roles": ["viewer", "view_pii"]},
                       headers=pii_admin)

    assert made.status_code == 201 and "view_pii" in made.json()["roles"]
    assert client.get("/api/orders", headers={"X-API-Key": made.json()["key"]}).status_code == 200


def test_an_admin_revokes_a_key_over_rest_and_it_stops_working_at_once(world: World, client: TestClient) -> None:
    _, admin = _key(world, "admin", "admin")
    viewer_id, viewer = _key(world, "viewer", "viewer")
    assert client.get("/api/orders", headers=viewer).status_code == 200

    revoked = client.delete(f"/api/api-keys/{viewer_id}", headers=admin)

    assert revoked.status_code == 200 and revoked.json()["revoked_at"] and not revoked.json()["revoked_self"]
    assert client.get("/api/orders", headers=viewer).status_code == 401
    assert client.delete(f"/api/api-keys/{viewer_id}", headers=admin).status_code == 200  # again: no change
    assert client.delete("/api/api-keys/9999", headers=admin).status_code == 404
    assert client.delete(f"/api/api-keys/{viewer_id}", headers=viewer).status_code == 401


def test_only_an_admin_key_revokes_keys(world: World, client: TestClient) -> None:
    admin_id, _ = _key(world, "admin", "admin")
    _, operator = _key(world, "operator", "operator")

    assert client.delete(f"/api/api-keys/{admin_id}", headers=operator).status_code == 403


def test_the_last_active_admin_key_cannot_be_revoked_over_rest(world: World, client: TestClient) -> None:
    first_id, first = _key(world, "first-admin", "admin")

    alone = client.delete(f"/api/api-keys/{first_id}", headers=first)

    assert alone.status_code == 409 and "last active admin key" in alone.json()["detail"]
    assert client.get("/api/api-keys", headers=first).status_code == 200
    second_id, second = _key(world, "second-admin", "admin")
    itself = client.delete(f"/api/api-keys/{first_id}", headers=first)  # another admin remains: allowed, said
    assert itself.status_code == 200 and itself.json()["revoked_self"] is True
    assert client.get("/api/api-keys", headers=first).status_code == 401
    assert client.delete(f"/api/api-keys/{second_id}", headers=second).status_code == 409
