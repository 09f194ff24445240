"""Which orders a connection imports: status, channel, date and ignore lists; updates always (B2-B4, B9)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from sellerbridge.domain.orders.filters import (
    DEFAULT_CHANNELS,
    DEFAULT_STATUSES,
    DecisionKind,
    ImportMode,
    OrderImportSettings,
    ProductCode,
    SkipReason,
    decide,
)
from sellerbridge.domain.orders.model import Fulfillment, OrderStatus
from tests.unit.order_builders import PLACED, draft, line

S = OrderStatus
IMPORT, UPDATE, RECORD, SKIP = DecisionKind.IMPORT, DecisionKind.UPDATE, DecisionKind.RECORD_ONLY, DecisionKind.SKIP


@pytest.mark.parametrize("status, kind", [
    (S.UNSHIPPED, IMPORT),
    (S.PARTIALLY_SHIPPED, IMPORT),
    (S.SHIPPED, SKIP),
    (S.PENDING, SKIP),
    (S.PENDING_AVAILABILITY, SKIP),
    (S.INVOICE_UNCONFIRMED, SKIP),
    (S.CANCELLED, SKIP),
    (S.UNFULFILLABLE, SKIP),
])
def test_b2_by_default_only_unshipped_and_partially_shipped_orders_are_imported(status, kind):
    decision = decide(draft(status=status), OrderImportSettings(), already_imported=False)
    assert decision.kind is kind
    assert decision.reason is (SkipReason.STATUS_FILTERED if kind is SKIP else None)


@pytest.mark.parametrize("chosen, status, kind", [
    ({S.UNSHIPPED, S.SHIPPED}, S.SHIPPED, IMPORT),
    ({S.UNSHIPPED, S.PENDING}, S.PENDING, IMPORT),
    ({S.INVOICE_UNCONFIRMED}, S.INVOICE_UNCONFIRMED, IMPORT),
    ({S.SHIPPED}, S.UNSHIPPED, SKIP),
    ({S.UNSHIPPED, S.SHIPPED}, S.CANCELLED, SKIP),
])
def test_b2_optional_statuses_are_imported_when_chosen(chosen, status, kind):
    decision = decide(draft(status=status), OrderImportSettings(statuses=chosen), already_imported=False)
    assert decision.kind is kind


@pytest.mark.parametrize("terms, kind", [("Invoice", IMPORT), (None, SKIP)])
def test_b2_invoice_unconfirmed_takes_net30_orders_that_orders_2026_shows_as_shipped(terms, kind):
    settings = OrderImportSettings(statuses={S.UNSHIPPED, S.INVOICE_UNCONFIRMED})
    decision = decide(draft(status=S.SHIPPED, payment_terms=terms), settings, already_imported=False)
    assert decision.kind is kind


@pytest.mark.parametrize("channels, fulfillment, kind", [
    ({Fulfillment.MERCHANT}, Fulfillment.MERCHANT, IMPORT),
    ({Fulfillment.MERCHANT}, Fulfillment.AMAZON, SKIP),
    ({Fulfillment.AMAZON}, Fulfillment.MERCHANT, SKIP),
    ({Fulfillment.AMAZON}, Fulfillment.AMAZON, RECORD),
    (DEFAULT_CHANNELS, Fulfillment.AMAZON, RECORD),
    (DEFAULT_CHANNELS, Fulfillment.MERCHANT, IMPORT),
])
def test_b3_channel_filter_and_fba_orders_are_recorded_never_sent(channels, fulfillment, kind):
    decision = decide(draft(fulfillment=fulfillment), OrderImportSettings(channels=channels), already_imported=False)
    assert decision.kind is kind
    if kind is SKIP:
        assert decision.reason is SkipReason.CHANNEL_FILTERED


@pytest.mark.parametrize("placed, kind", [
    (PLACED - timedelta(seconds=1), SKIP),
    (PLACED, IMPORT),
    (PLACED + timedelta(days=1), IMPORT),
])
def test_b4_orders_placed_before_the_not_before_date_are_skipped(placed, kind):
    settings = OrderImportSettings(not_before=PLACED)
    decision = decide(draft(purchase_date=placed), settings, already_imported=False)
    assert decision.kind is kind
    assert decision.reason is (SkipReason.BEFORE_NOT_BEFORE if kind is SKIP else None)


def test_b4_an_ignored_amazon_order_id_is_skipped():
    settings = OrderImportSettings(ignored_order_ids={" 111-0000001-0000001 "})
    decision = decide(draft(), settings, already_imported=False)
    assert (decision.kind, decision.reason) == (SKIP, SkipReason.IGNORED_ORDER)


@pytest.mark.parametrize("settings, kept, reason", [
    (OrderImportSettings(ignored_skus={"SKU-2"}), ["item-1", "item-3"], None),
    (OrderImportSettings(ignored_asins={"b000000003"}), ["item-1", "item-2"], None),  # ASINs ignore case
    (OrderImportSettings(ignored_skus={"SKU-1", "SKU-2"}, ignored_asins={"B000000003"}), [],
     SkipReason.ALL_LINES_IGNORED),
    (OrderImportSettings(ignored_skus={"OTHER"}), ["item-1", "item-2", "item-3"], None),
])
def test_b4_lines_with_an_ignored_sku_or_asin_are_dropped_and_an_order_with_none_left_is_skipped(
        settings, kept, reason):
    decision = decide(draft(line(1), line(2), line(3)), settings, already_imported=False)
    assert decision.reason is reason
    if reason is None:
        assert decision.kind is IMPORT
        assert [ln.order_item_id for ln in decision.draft.lines] == kept
        assert len(decision.dropped_lines) == 3 - len(kept)
    else:
        assert decision.kind is SKIP


@pytest.mark.parametrize("status", [S.CANCELLED, S.SHIPPED, S.UNFULFILLABLE, S.UNSHIPPED])
@pytest.mark.parametrize("settings", [
    OrderImportSettings(),
    OrderImportSettings(ignored_order_ids={"111-0000001-0000001"}),
    OrderImportSettings(channels={Fulfillment.AMAZON}),
    OrderImportSettings(not_before=PLACED + timedelta(days=3)),
], ids=["default", "id ignored since", "channel removed since", "date moved since"])
def test_b9_an_imported_order_always_gets_its_updates_and_cancellation(status, settings):
    decision = decide(draft(status=status), settings, already_imported=True)
    assert decision.kind is UPDATE
    assert decision.draft.status is status


def test_b9_an_imported_order_whose_skus_are_all_ignored_since_still_gets_its_cancellation():
    settings = OrderImportSettings(ignored_skus={"SKU-1"})
    decision = decide(draft(line(1), status=S.CANCELLED), settings, already_imported=True)
    assert decision.kind is UPDATE
    assert [ln.order_item_id for ln in decision.draft.lines] == ["item-1"]


# --- settings storage ----------------------------------------------------------------------------

def test_b2_settings_round_trip_through_a_json_dict():
    settings = OrderImportSettings(
        statuses={S.UNSHIPPED, S.PENDING}, channels={Fulfillment.MERCHANT},
        not_before=datetime(2026, 1, 1, tzinfo=UTC), ignored_order_ids={"1"}, ignored_skus={"Æ-1"},
        ignored_asins={"B01"}, product_code=ProductCode.ASIN, import_mode=ImportMode.PURCHASE_ORDER, pii_grant=True)
    stored = json.loads(json.dumps(settings.to_dict()))
    assert OrderImportSettings.from_dict(stored) == settings
    assert OrderImportSettings.from_dict({}) == OrderImportSettings()
    assert OrderImportSettings().statuses == DEFAULT_STATUSES


@pytest.mark.parametrize("data", [
    {"statuses": ["cancelled"]},
    {"statuses": []},
    {"statuses": ["nonsense"]},
    {"channels": []},
    {"channels": ["XYZ"]},
    {"not_before": "2026-01-01T00:00:00"},  # naive: ambiguous
    {"product_code": "upc"},
    {"import_mode": "dropship"},
    {"statuses": "unshipped"},
    {"pii_grant": "yes"},
    {"colour": "blue"},
])
def test_b2_invalid_settings_are_refused_with_a_message(data):
    with pytest.raises(ValueError):
        OrderImportSettings.from_dict(data)
