"""Flow stock_push against the sandbox, on SQLite and PostgreSQL (D1, D5, D7, D8, D9, G2)."""

from __future__ import annotations

import pytest

from sellerbridge.domain.common.results import RunStatus
from sellerbridge.domain.stock.push_plan import REFUSED_AFN, REFUSED_ASIN
from tests.support.stock_push import Sent, amazon_quantity, push, push_row, stock_up

pytestmark = pytest.mark.xdist_group("stock_push")


def test_d5_patch_then_changed_only(world, monkeypatch):
    sent = Sent().install(monkeypatch)
    stocked = stock_up(world, on_hand=lambda n, code: n + (1 if code == "WH1" else 2), limit=6)
    report = push(world)
    assert report.status in (RunStatus.DONE, RunStatus.PARTIAL), report
    pushed = {sku for sku, _, _ in sent.records}
    assert set(stocked.skus) <= pushed
    world.advance(10)  # Amazon shows an accepted patch a few seconds later
    for n, sku in enumerate(stocked.skus):
        assert amazon_quantity(world, sku) == 2 * n + 3
        row = push_row(world, sku)
        assert row.sent_quantity == 2 * n + 3 and row.sent_version == row.version and row.in_flight is None
        assert row.amazon_status == "accepted" and row.sent_channel == "patch"
    before = len(sent.records)
    again = push(world)  # nothing changed: nothing sent
    assert len(sent.records) == before, again


def test_d1_d7_fba_and_asin_only_refused(world, monkeypatch):
    sent = Sent().install(monkeypatch)
    stocked = stock_up(world, limit=3)
    assert stocked.fba, "the sandbox catalog has FBA listings"
    world.rows  # noqa: B018
    with world.hub.store.engine.begin() as conn:
        from sqlalchemy import text
        conn.execute(text("UPDATE channel_listings SET mapped_by = 'asin' WHERE amazon_sku = :s"),
                     {"s": stocked.skus[0]})
    push(world)
    pushed = {sku for sku, _, _ in sent.records}
    assert stocked.skus[0] not in pushed and not (set(stocked.fba) & pushed)
    assert push_row(world, stocked.skus[0]).amazon_message == REFUSED_ASIN
    assert push_row(world, stocked.fba[0]).amazon_status == "refused"
    assert push_row(world, stocked.fba[0]).amazon_message == REFUSED_AFN
