"""Orders as Amazon writes them (issue 9): golden files of the mappers, one per finding.

Payloads are built from Amazon's model (``order_payloads``: field names and enums of
``orders_2026-01-01.json``, validated against it); the goldens hold the hub's reading of them.
"""

from __future__ import annotations

from datetime import timedelta

import jsonschema
import pytest

from sellerbridge.amazon.orders.api import datasets
from sellerbridge.amazon.orders.v0 import to_order_draft_from_v0
from sellerbridge.amazon.orders.v2026 import to_order_draft
from sellerbridge.domain.common.pii import redact_address
from sellerbridge.domain.orders.filters import OrderImportSettings
from sellerbridge.domain.orders.mapping import map_order
from sellerbridge.domain.orders.model import OrderStatus
from sellerbridge.domain.orders.purge_clock import amazon_delivered_at, amazon_shipped_at, purge_due_at
from tests.contract import order_payloads as amazon
from tests.contract.mapper_support import assert_golden, plain
from tests.support.models import find_operation, load_model
from tests.unit.order_builders import SHIP_METHODS, Listed, NoCustomers

GRANT = OrderImportSettings(pii_grant=True)
RETENTION = timedelta(days=30)
TRANSIT = timedelta(days=14)


def test_the_download_asks_for_payment_and_packages_among_amazons_datasets():
    _, _, op = find_operation("orders_2026", "getOrder")
    [included] = [p for p in op["parameters"] if p["name"] == "includedData"]
    known = set(included["items"]["enum"])
    asked = {"pii": list(datasets(True)), "no_pii": list(datasets(False))}
    assert set(asked["pii"]) <= known and {"PAYMENT", "PACKAGES"} <= set(asked["no_pii"])
    assert_golden("order_v2026_included_data.json", asked)


@pytest.mark.parametrize("program", amazon.possible_values("Order", "programs"))
def test_every_program_amazon_lists_is_kept_on_the_order(program):
    draft = to_order_draft(amazon.order(programs=[program]))
    assert draft.programs == (program.lower(),)


def test_what_the_warehouse_gets_per_program_golden():
    """IN_STORE_PICK_UP and DELIVERY_BY_AMAZON are no parcel (no ship method, no hold, not sent); Easy
    Ship is packed but Amazon's carrier collects it; a pre-order waits for its release."""
    out = {}
    for program in amazon.possible_values("Order", "programs"):
        payload = amazon.order(programs=[program], ship_by=("2026-12-10T00:00:00Z", "2026-12-11T00:00:00Z"))
        mapped = map_order(to_order_draft(payload), GRANT, Listed(), NoCustomers(), SHIP_METHODS)
        out[program] = {"programs": list(mapped.programs), "handling": mapped.handling.value,
                        "send_to_warehouse": mapped.send_to_warehouse, "ship_method": mapped.ship_method,
                        "held": sum(mapped.holds.values()),
                        "ship_not_before": mapped.ship_not_before.isoformat() if mapped.ship_not_before else None}
    assert out["IN_STORE_PICK_UP"] == {"programs": ["in_store_pick_up"], "handling": "pickup",
                                       "send_to_warehouse": False, "ship_method": None, "held": 0,
                                       "ship_not_before": None}
    assert out["PREORDER"]["ship_not_before"] == "2026-12-10T00:00:00+00:00" and out["PREORDER"]["held"] == 1
    assert out["AMAZON_EASY_SHIP"]["send_to_warehouse"] and out["AMAZON_EASY_SHIP"]["ship_method"] is None
    assert_golden("order_v2026_programs.mapped.json", out)


def test_the_gift_wrap_level_and_the_brazilian_address_parts_are_kept_golden():
    gift = {"giftMessage": "Feliz aniversário!", "giftWrapLevel": "PREMIUM"}
    payload = amazon.order(marketplace=amazon.MARKETPLACE_BR, currency="BRL", grand_total="107.80",
                           address=amazon.brazilian_address(),
                           items=[amazon.item(1, currency="BRL", unit="99.90", tax="7.90", gift=gift)])
    draft = to_order_draft(payload)
    a = draft.ship_to
    assert (a.street_name, a.street_number, a.complement, a.neighborhood) == (
        "Avenida Paulista", "1578", "Apto 42", "Bela Vista")
    assert (a.district_or_county, a.municipality) == ("Bela Vista", "São Paulo")
    assert draft.lines[0].gift_wrap_level == "PREMIUM"
    # the street-level parts are buyer data: without the grant none is kept (B13)
    bare = redact_address(a)
    assert (bare.street_name, bare.street_number, bare.complement, bare.neighborhood, bare.district_or_county,
            bare.municipality) == (None,) * 6 and bare.city == "São Paulo"
    assert_golden("order_v2026_brazil_gift.draft.json", plain(draft))


CURRENCIES = [  # (marketplace, currency, unit, tax, total): amounts as Amazon writes them
    (amazon.MARKETPLACE_JP, "JPY", "19940", "1994", "21934"),
    (amazon.MARKETPLACE_US, "BHD", "12.500", "1.250", "13.750"),
    (amazon.MARKETPLACE_US, "KWD", "3.125", "0.313", "3.438"),
    (amazon.MARKETPLACE_US, "USD", "19.99", "1.60", "21.59"),
]


def test_amounts_keep_their_currencys_decimals_golden():
    out = {}
    for marketplace, currency, unit, tax, total in CURRENCIES:
        payload = amazon.order(marketplace=marketplace, currency=currency, grand_total=total,
                               items=[amazon.item(1, currency=currency, unit=unit, tax=tax)])
        draft = to_order_draft(payload)
        line = draft.lines[0]
        assert (str(line.unit_price.amount), str(line.item_tax.amount), str(draft.order_total.amount)) == (
            unit, tax, total)
        out[currency] = plain({"unit_price": line.unit_price, "item_tax": line.item_tax,
                               "order_total": draft.order_total})
    assert_golden("order_v2026_currencies.json", out)


def test_a_jpy_amount_written_with_decimals_reads_as_whole_yen():
    payload = amazon.order(marketplace=amazon.MARKETPLACE_JP, currency="JPY", grand_total="21934.00",
                           items=[amazon.item(1, currency="JPY", unit="19940.00", tax="1994")])
    draft = to_order_draft(payload)
    assert str(draft.lines[0].unit_price.amount) == "19940" and str(draft.order_total.amount) == "21934"


PURGE_CASES = {
    "unshipped, no package": ("UNSHIPPED", []),
    "shipped, in transit": ("SHIPPED", [("1", "IN_TRANSIT", "2026-11-21T09:00:00Z")]),
    "shipped, delivered": ("SHIPPED", [("1", "DELIVERED", "2026-11-21T09:00:00Z")]),
    "two packages, one delivered": ("SHIPPED", [("1", "DELIVERED", "2026-11-21T09:00:00Z"),
                                                ("2", "SHIPPED", "2026-11-22T09:00:00Z")]),
    "a cancelled package and a delivered one": ("SHIPPED", [("1", "CANCELLED", None),
                                                            ("2", "DELIVERED", "2026-11-22T09:00:00Z")]),
    "shipped, no PACKAGES dataset": ("SHIPPED", None),
}


def test_the_purge_clock_reads_amazons_package_times_never_the_import_time_golden():
    """B13: delivered_at (all packages DELIVERED: that payload's lastUpdatedTime) + 30 days, else Amazon's
    ship time + transit allowance + 30 days; not shipped: not due."""
    out = {}
    for case, (status, packages) in PURGE_CASES.items():
        built = None if packages is None else [amazon.package(r, s, ship_time=t) for r, s, t in packages]
        draft = to_order_draft(amazon.order(status=status, packages=built, last_updated="2026-11-24T12:00:00Z"))
        shipped, delivered = amazon_shipped_at(draft), amazon_delivered_at(draft)
        due = purge_due_at(delivered_at=delivered, shipped_at=shipped, retention=RETENTION, transit_allowance=TRANSIT)
        out[case] = {"shipped_at": shipped and shipped.isoformat(), "delivered_at": delivered and delivered.isoformat(),
                     "purge_due_at": due and due.isoformat()}
    assert out["unshipped, no package"]["purge_due_at"] is None
    assert out["shipped, delivered"]["purge_due_at"] == "2026-12-24T12:00:00+00:00"  # delivery + 30 days
    assert out["shipped, in transit"]["purge_due_at"] == "2027-01-04T09:00:00+00:00"  # ship + 14 + 30 days
    assert_golden("order_v2026_purge_clock.json", out)


def test_a_package_status_amazon_adds_later_is_not_taken_for_a_delivery():
    payload = amazon.order(status="SHIPPED", packages=[amazon.package("1", "DELIVERED", ship_time=None)])
    payload["packages"][0]["packageStatus"]["status"] = "TELEPORTED"
    with pytest.raises(jsonschema.ValidationError):  # not Amazon's today: the model refuses it
        amazon.checked(payload)
    draft = to_order_draft(payload)
    assert draft.packages[0].status is None and amazon_delivered_at(draft) is None


# --- v0 (preview of an old tool's order, B12) ---------------------------------------------------

def _v0_checked(kind: str, value: dict) -> dict:
    schema = {"$ref": f"#/definitions/{kind}", "definitions": load_model("orders_v0")["definitions"]}
    jsonschema.Draft4Validator(schema).validate(value)
    return value


def test_v0_programs_gift_wrap_level_and_address_parts_map_to_the_same_draft_fields_golden():
    order = _v0_checked("Order", {
        "AmazonOrderId": "701-0000001-0000001", "PurchaseDate": "2026-11-20T07:00:00Z",
        "LastUpdateDate": "2026-11-20T08:00:00Z", "OrderStatus": "Unshipped", "FulfillmentChannel": "MFN",
        "MarketplaceId": amazon.MARKETPLACE_BR, "OrderType": "Preorder", "IsISPU": True, "IsPrime": False,
        "EasyShipShipmentStatus": "PendingSchedule", "EarliestShipDate": "2026-12-10T00:00:00Z",
        "OrderTotal": {"CurrencyCode": "BRL", "Amount": "107.80"},
        "ShippingAddress": {"Name": "Joana Silva", "AddressLine1": "Avenida Paulista, 1578", "City": "São Paulo",
                            "County": "Centro", "District": "Bela Vista", "Municipality": "São Paulo",
                            "PostalCode": "01310-200", "CountryCode": "BR",
                            "ExtendedFields": {"StreetName": "Avenida Paulista", "StreetNumber": "1578",
                                               "Complement": "Apto 42", "Neighborhood": "Bela Vista"}},
    })
    items = [_v0_checked("OrderItem", {
        "ASIN": "B0FAITH001", "SellerSKU": "SKU-1", "OrderItemId": "90000000000001", "QuantityOrdered": 1,
        "ItemPrice": {"CurrencyCode": "BRL", "Amount": "99.90"}, "ItemTax": {"CurrencyCode": "BRL", "Amount": "7.90"},
        "BuyerInfo": {"GiftMessageText": "Feliz aniversário!", "GiftWrapLevel": "PREMIUM"},
        "AmazonPrograms": {"Programs": ["FBM_SHIP_PLUS"]},
    })]
    draft = to_order_draft_from_v0(order, items)
    assert draft.programs == ("in_store_pick_up", "preorder", "amazon_easy_ship", "fbm_ship_plus")
    assert draft.ship_to.district_or_county == "Bela Vista"  # the finer of District and County
    assert draft.lines[0].gift_wrap_level == "PREMIUM" and draft.status is OrderStatus.UNSHIPPED
    assert_golden("order_v0_faithful.draft.json", plain(draft))
