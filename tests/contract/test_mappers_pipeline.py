"""Sandbox orders through the whole pure path: wire -> draft -> filters -> mapped order (B2-B13)."""

from __future__ import annotations

from sellerbridge.amazon.orders.v2026 import to_order_draft
from sellerbridge.domain.orders.filters import DecisionKind, OrderImportSettings, decide
from sellerbridge.domain.orders.mapping import CatalogItem, CustomerAction, map_order
from sellerbridge.domain.orders.model import Fulfillment, ServiceLevel
from sellerbridge.domain.orders.ship_methods import ShipMethodChooser, ShipMethodOption
from tests.contract.test_mappers_orders_v2026 import create_orders, get_order


class SellerCatalog:
    """The seller's Amazon SKUs as internal items with an "INT-" prefix, reached by the channel mapping."""

    def __init__(self, skus: list[str]) -> None:
        self.items = {sku: CatalogItem(i, f"INT-{sku}", f"Internal {sku}") for i, sku in enumerate(skus)}

    def by_channel_sku(self, amazon_sku):
        return self.items.get(amazon_sku)

    def by_sku(self, sku):
        return None

    def by_asin(self, asin):
        return None


class NoCustomers:
    def by_email_hash(self, email_hash):
        return None


def test_b3_b10_b13_sandbox_orders_filter_and_map_with_holds_and_pii_per_grant(sandbox, seller):
    ids = create_orders(sandbox, seller, 30)
    state = sandbox.backend.sellers[seller.creds.seller_id]
    catalog = SellerCatalog([listing.sku for listing in state.listings.values()])
    ship = ShipMethodChooser({level: [ShipMethodOption(f"Carrier {level.value}")] for level in ServiceLevel})
    for grant in (True, False):
        settings = OrderImportSettings(pii_grant=grant)
        for order_id in ids:
            draft = to_order_draft(get_order(sandbox, seller, order_id))
            decision = decide(draft, settings, already_imported=False)
            live = state.orders[order_id]
            assert decision.kind is (DecisionKind.IMPORT if live.is_mfn else DecisionKind.RECORD_ONLY)
            order = map_order(decision.draft, settings, catalog, NoCustomers(), ship)
            assert [ln.product_code for ln in order.lines] == [f"INT-{ln.sku}" for ln in live.lines]
            if live.is_mfn:
                assert order.send_to_warehouse and order.ship_method == f"Carrier {live.service_level}"
                assert sum(order.holds.values()) == sum(ln.quantity for ln in live.lines)
                # without the grant no buyer is recognised, by e-mail or otherwise (issue 9)
                assert order.customer.action is (CustomerAction.CREATE if grant else CustomerAction.ANONYMOUS)
                assert (order.customer.name is not None) is grant
                assert order.ship_to.has_pii is grant
            else:
                assert order.fulfillment is Fulfillment.AMAZON
                assert not order.send_to_warehouse and order.holds == {} and order.ship_method is None
