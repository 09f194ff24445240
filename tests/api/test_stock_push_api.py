"""Stock out over REST (D5, D8, D9, H2) on SQLite and PostgreSQL: why, send now, the listings feeds; hostile
requests are 4xx, never 500."""

from __future__ import annotations

import pytest

from tests.api.conftest import h
from tests.support.stock_push import push, push_row, stock_up

pytestmark = pytest.mark.server


def test_d9_why_shows_now_and_what_amazon_was_told(bare_api, world) -> None:
    stocked = stock_up(world, on_hand=lambda n, code: 4, patch_max=2)
    push(world)
    sku = stocked.skus[0]
    r = bare_api.get(f"/api/stock/{sku}/why", params={"connection": "us-main"}, headers=h(bare_api, "viewer"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["now"]["quantity"] == 8 and "available to sell: 8" in body["now"]["lines"]
    assert body["in_flight"]["channel"] == "feed" and body["in_flight"]["quantity"] == 8
    world.advance(300)
    push(world)
    told = bare_api.get(f"/api/stock/{sku}/why", params={"connection": "us-main"},
                        headers=h(bare_api, "viewer")).json()["told"]
    assert told["quantity"] == 8 and told["channel"] == "feed" and told["why"]["result"] == 8


def test_h2_feeds_listed_with_their_per_sku_results(bare_api, world) -> None:
    stocked = stock_up(world, patch_max=2)
    push(world)
    world.advance(300)
    push(world)
    feeds = bare_api.get("/api/feeds", headers=h(bare_api, "viewer")).json()
    assert len(feeds) == 1 and feeds[0]["skus"]["accepted"] == len(stocked.skus)
    one = bare_api.get(f"/api/feeds/{feeds[0]['id']}", headers=h(bare_api, "viewer")).json()
    assert {i["sku"] for i in one["items"]} == set(stocked.skus)
    assert {i["result"] for i in one["items"]} == {"accepted"}


def test_d5_send_now_marks_and_asks_for_the_run(bare_api, world) -> None:
    stocked = stock_up(world, limit=2)
    push(world)
    sku = stocked.skus[0]
    before = push_row(world, sku).version
    r = bare_api.post("/api/connections/us-main/stock/send-now", json={"skus": [sku, "NO-SUCH-SKU"]},
                      headers=h(bare_api, "operator"))
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["run_id"] >= 1 and body["marked"] == 1 and body["unknown"] == ["NO-SUCH-SKU"]
    assert push_row(world, sku).version == before + 1
    report = push(world)
    assert report.counts["patched"] == 1, report  # named: sent even though Amazon had the figure
    everything = bare_api.post("/api/connections/us-main/stock/send-now", headers=h(bare_api, "operator"))
    assert everything.status_code == 202 and everything.json()["marked"] >= len(stocked.skus)


@pytest.mark.parametrize(("method", "url", "kwargs", "status"), [
    ("get", "/api/stock/SKU/why", {}, 422),  # no connection
    ("get", "/api/stock/SKU/why", {"params": {"connection": "nope"}}, 400),
    ("get", "/api/stock/NO-SUCH/why", {"params": {"connection": "us-main"}}, 404),
    ("get", "/api/stock/" + "x" * 65 + "/why", {"params": {"connection": "us-main"}}, 422),
    ("get", "/api/feeds/999999", {}, 404),
    ("get", "/api/feeds/abc", {}, 422),
    ("get", "/api/feeds/-1", {}, 404),
    ("get", "/api/feeds?limit=0", {}, 422),
    ("post", "/api/connections/us-main/stock/send-now", {"json": {"skus": []}}, 422),
    ("post", "/api/connections/us-main/stock/send-now", {"json": {"skus": [""]}}, 422),
    ("post", "/api/connections/us-main/stock/send-now", {"json": {"skus": "SKU"}}, 422),
    ("post", "/api/connections/us-main/stock/send-now", {"json": {"skus": [1], "x": 1}}, 422),
    ("post", "/api/connections/nope/stock/send-now", {}, 400),
])
def test_d5_hostile_stock_out_requests_are_4xx(bare_api, world, method, url, kwargs, status) -> None:
    r = getattr(bare_api, method)(url, headers=h(bare_api, "operator"), **kwargs)
    assert r.status_code == status, (r.status_code, r.text)


def test_d5_send_now_needs_an_operator(bare_api, world) -> None:
    r = bare_api.post("/api/connections/us-main/stock/send-now", headers=h(bare_api, "viewer"))
    assert r.status_code == 403
