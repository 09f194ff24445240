"""/api/stock, buffers and stock settings (D2, D3, D4, D6, I5, H1) on SQLite and PostgreSQL: every door
marks the SKU, a replayed ref moves nothing, hostile bodies are 4xx, never 500."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select

from sellerbridge.db.repositories import catalog
from sellerbridge.db.repositories.jobs import ensure_job
from sellerbridge.db.tables import quantity_pushes
from tests.api.conftest import h

pytestmark = pytest.mark.server


def _sku_with_push_state(world) -> str:
    """An item of the seeded catalog, with its push state (what the push flow adds for a listed SKU)."""
    with world.hub.store.uow() as s:
        listing = s.execute(select(catalog.channel_listings).where(
            catalog.channel_listings.c.item_id.is_not(None)).limit(1)).one()
        item = catalog.get_item(s, listing.item_id)
        conn = s.execute(select(catalog.channel_listings.c.connection_id)).scalar()
        s.execute(insert(quantity_pushes).values(seller_id=world.creds.seller_id, region="na",
                                                 amazon_sku=listing.amazon_sku, item_id=item.id, version=1,
                                                 sent_version=1, created_at=world.hub.now(),
                                                 updated_at=world.hub.now()))
        ensure_job(s, flow="stock_push", connection_id=conn, every_seconds=None, now=world.hub.now())
    return item.sku


def _version(world, sku: str) -> int:
    with world.hub.store.uow(read_only=True) as s:
        return s.execute(select(quantity_pushes.c.version).join(catalog.items, catalog.items.c.id ==
                                                                quantity_pushes.c.item_id)
                         .where(catalog.items.c.sku == sku)).scalar_one()


def test_i5_counts_adjustments_commitments_and_the_ledger_by_rest(bare_api) -> None:
    api = bare_api
    world = _world_of(api)
    sku = _sku_with_push_state(world)
    assert api.post("/api/warehouses", json={"code": "WH1", "name": "Main"}, headers=h(api, "operator")).status_code \
        == 201
    assert api.post("/api/warehouses", json={"code": "WH1"}, headers=h(api, "operator")).status_code == 409
    put = api.put(f"/api/stock/{sku}/warehouses/WH1", json={"on_hand": 12}, headers=h(api, "operator"))
    assert put.status_code == 200 and put.json()["delta"] == 12 and put.json()["on_hand"] == 12
    body = {"warehouse": "WH1", "delta": -2, "reason": "adjustment", "ref": "damaged-7"}
    first = api.post(f"/api/stock/{sku}/adjustments", json=body, headers=h(api, "operator")).json()
    again = api.post(f"/api/stock/{sku}/adjustments", json=body, headers=h(api, "operator")).json()
    assert (first["on_hand"], first["replayed"]) == (10, False) and (again["on_hand"], again["replayed"]) == (10, True)
    commit = api.put(f"/api/stock/{sku}/commitments/ebay", json={"quantity": 3}, headers=h(api, "operator"))
    assert commit.json()["commitments"] == {"ebay": 3}
    assert _version(world, sku) == 4  # count, adjustment, commitment: the replay marked nothing
    ledger = api.get(f"/api/stock/{sku}/ledger", headers=h(api, "viewer")).json()
    assert [(e["kind"], e["delta"]) for e in ledger["entries"]] == [("adjustment", -2), ("count", 12)]
    assert ledger["on_hand"] == {"WH1": 10} and ledger["commitments"] == {"ebay": 3}
    assert api.put(f"/api/stock/{sku}/warehouses/WH1", json={"on_hand": 1}, headers=h(api, "viewer")).status_code \
        == 403


def test_d3_buffers_and_stock_settings_by_rest(bare_api) -> None:
    api = bare_api
    world = _world_of(api)
    sku = _sku_with_push_state(world)
    api.post("/api/warehouses", json={"code": "WH1"}, headers=h(api, "operator"))
    api.post("/api/warehouses", json={"code": "WH2"}, headers=h(api, "operator"))
    item = api.put(f"/api/items/{sku}/buffer", json={"kind": "percent", "value": "12.5"}, headers=h(api, "operator"))
    assert item.status_code == 200 and item.json()["buffer"] == {"kind": "percent", "value": "12.5"}
    wh = api.put("/api/warehouses/WH2/buffer", json={"kind": "fixed", "value": 3}, headers=h(api, "operator"))
    assert wh.json()["buffer"] == {"kind": "fixed", "value": "3"}
    flags = api.put(f"/api/items/{sku}/stock", json={"backorderable": True, "handling_days": 4},
                    headers=h(api, "operator"))
    assert (flags.json()["backorderable"], flags.json()["handling_days"]) == (True, 4)
    before = _version(world, sku)
    settings = api.put("/api/connections/us-main/stock-settings",
                       json={"buffer": {"kind": "fixed", "value": 2}, "warehouses": ["WH1"], "untracked_quantity": 50,
                             "patch_max": 20}, headers=h(api, "operator"))
    assert settings.status_code == 200, settings.text
    got = api.get("/api/connections/us-main/stock-settings", headers=h(api, "viewer")).json()
    assert (got["buffer"], got["warehouses"], got["untracked_quantity"], got["patch_max"]) == (
        {"kind": "fixed", "value": "2"}, ["WH1"], 50, 20)
    assert _version(world, sku) == before + 1
    cleared = api.put("/api/connections/us-main/stock-settings", json={"warehouses": None, "buffer": None},
                      headers=h(api, "operator")).json()
    assert (cleared["warehouses"], cleared["buffer"]) == (None, None)
    listed = api.get("/api/warehouses", headers=h(api, "viewer")).json()
    assert [(w["code"], w["buffer"]) for w in listed] == [("WH1", None), ("WH2", {"kind": "fixed", "value": "3"})]


HOSTILE = [
    ("put", "/api/stock/{sku}/warehouses/WH1", {"on_hand": 10 ** 30}),
    ("put", "/api/stock/{sku}/warehouses/WH1", {"on_hand": -1}),
    ("put", "/api/stock/{sku}/warehouses/WH1", {"on_hand": "5"}),
    ("put", "/api/stock/{sku}/warehouses/WH1", {"on_hand": 5.5}),
    ("put", "/api/stock/{sku}/warehouses/WH1", {"on_hand": 5, "on_hnad": 5}),
    ("put", "/api/stock/{sku}/warehouses/WH1", {"on_hand": 5, "ref": "x" * 129}),
    ("post", "/api/stock/{sku}/adjustments", {"warehouse": "WH1", "delta": 1, "reason": "shipment", "ref": "r"}),
    ("post", "/api/stock/{sku}/adjustments", {"warehouse": "WH1", "delta": 1, "reason": "receipt"}),
    ("post", "/api/stock/{sku}/adjustments", {"warehouse": "WH1", "delta": -1, "reason": "receipt", "ref": "r"}),
    ("post", "/api/stock/{sku}/adjustments", {"warehouse": "WH1\x00", "delta": 1, "reason": "receipt", "ref": "r"}),
    ("put", "/api/stock/{sku}/commitments/ebay", {"quantity": -3}),
    ("put", "/api/items/{sku}/buffer", {"kind": "percent", "value": 101}),
    ("put", "/api/items/{sku}/buffer", {"kind": "fixed", "value": "NaN"}),
    ("put", "/api/items/{sku}/buffer", {"kind": "gram", "value": 1}),
    ("put", "/api/items/{sku}/buffer", {"value": 1}),
    ("put", "/api/items/{sku}/stock", {"handling_days": 9999}),
    ("put", "/api/connections/us-main/stock-settings", {"patch_max": -1}),
    ("put", "/api/connections/us-main/stock-settings", {"warehouses": ["NOPE"]}),
    ("put", "/api/connections/us-main/stock-settings", {"surprise": 1}),
    ("put", "/api/connections/us-main/stock-settings", {"untracked_quantity": 10 ** 12}),
    ("put", "/api/connections/nope/stock-settings", {"patch_max": 1}),
    ("put", "/api/stock/NO-SUCH-SKU/warehouses/WH1", {"on_hand": 1}),
    ("put", "/api/stock/{sku}/warehouses/NOPE", {"on_hand": 1}),
    ("get", "/api/stock/{sku}/ledger?limit=0", None),
    ("get", "/api/stock/{sku}/ledger?limit=99999999999999999999", None),
]


def test_i5_hostile_stock_requests_are_refused_with_a_4xx(bare_api) -> None:
    api = bare_api
    world = _world_of(api)
    sku = _sku_with_push_state(world)
    api.post("/api/warehouses", json={"code": "WH1"}, headers=h(api, "operator"))
    for method, path, body in HOSTILE:
        url = path.format(sku=sku)
        answer = getattr(api, method)(url, headers=h(api, "operator"), **({} if body is None else {"json": body}))
        assert 400 <= answer.status_code < 500, (method, path, body, answer.status_code, answer.text)
    assert _version(world, sku) == 1  # nothing moved


def test_i5_a_stock_csv_upload_applies_the_good_lines_and_lists_the_bad(bare_api) -> None:
    api = bare_api
    world = _world_of(api)
    sku = _sku_with_push_state(world)
    api.post("/api/warehouses", json={"code": "WH1"}, headers=h(api, "operator"))
    content = f"\ufeffsku,warehouse,on_hand\r\n{sku},WH1,7\r\nNOPE,WH1,3\r\n{sku},WH9,1\r\n".encode()
    headers = {**h(api, "operator"), "content-type": "text/csv"}
    answer = api.post("/api/stock/import", content=content, params={"file_name": "counts.csv"}, headers=headers)
    assert answer.status_code == 200, answer.text
    out = answer.json()
    assert (out["accepted"], out["refused_lines"], out["encoding"]) == (1, 2, "utf-8-sig")
    assert [(e["line"], e["code"]) for e in out["errors"]] == [(3, "unknown_sku"), (4, "unknown_warehouse")]
    again = api.post("/api/stock/import", content=content, params={"file_name": "counts.csv"}, headers=headers).json()
    assert (again["accepted"], again["duplicates"]) == (0, 1)
    api.post("/api/warehouses", json={"code": "WH9"}, headers=h(api, "operator"))
    errors = api.get("/api/errors", params={"kind": "stock_import"}, headers=h(api, "viewer")).json()
    wh9 = [e for e in errors["items"] if e["key"] == "counts.csv:4"]
    assert wh9 and wh9[0]["where"] == "counts.csv line 4 (warehouse)"
    redone = api.post(f"/api/stock/errors/{wh9[0]['id']}/reprocess", headers=h(api, "operator")).json()
    assert redone["accepted"] == 1
    ledger = api.get(f"/api/stock/{sku}/ledger", headers=h(api, "viewer")).json()
    assert ledger["on_hand"] == {"WH1": 7, "WH9": 1}
    binary = api.post("/api/stock/import", content=b"\x00\x01\x02\xff", headers=headers)
    assert binary.status_code == 200 and binary.json()["refused_lines"] == 1


def _world_of(api):
    return api.world_ref


@pytest.fixture
def bare_api(bare_api, world):  # the conftest's, with its world at hand
    bare_api.world_ref = world
    return bare_api
