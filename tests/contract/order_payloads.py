"""Orders API 2026-01-01 ``Order`` payloads built field by field from Amazon's model (issue 9).

Every field name is one of ``tests/amazon/models/orders_2026-01-01.json``, and :func:`checked` validates
the built order against the model's ``Order`` definition, so a misspelt field or a wrong type fails
here, not silently in the mapper. Enumerations the model gives only in prose ("**Possible values**:
...") are read from the model's text by :func:`possible_values`, so a test iterates Amazon's list.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import jsonschema

from tests.support.models import load_model

MARKETPLACE_JP = "A1VC38T7YXB528"
MARKETPLACE_BR = "A2Q3Y263D00KWC"
MARKETPLACE_US = "ATVPDKIKX0DER"


def definitions() -> dict[str, Any]:
    return load_model("orders_2026")["definitions"]


def possible_values(definition: str, prop: str) -> list[str]:
    """The values of ``definition.prop`` as the model lists them in its description ("Possible values")."""
    schema = definitions()[definition]["properties"][prop]
    if "enum" in schema:
        return list(schema["enum"])
    text = schema["description"].split("Possible values", 1)[1]
    return re.findall(r"`([A-Z_]+)`", text)


def checked(order: dict[str, Any]) -> dict[str, Any]:
    """``order`` after validating it against the model's ``Order`` (field names, types, enums)."""
    schema = {"$ref": "#/definitions/Order", "definitions": definitions()}
    jsonschema.Draft4Validator(schema).validate(order)
    return order


def money(amount: str, currency: str) -> dict[str, str]:
    return {"amount": amount, "currencyCode": currency}


def item(n: int, *, currency: str, unit: str, quantity: int = 1, tax: str, shipping: str | None = None,
         gift: dict[str, str] | None = None, shipped: int = 0) -> dict[str, Any]:
    """One ``OrderItem`` with product, proceeds (ITEM, SHIPPING, TAX) and fulfillment (packing giftOption)."""
    breakdowns: list[dict[str, Any]] = [{"type": "ITEM", "subtotal": money(unit, currency)}]
    if shipping is not None:
        breakdowns.append({"type": "SHIPPING", "subtotal": money(shipping, currency)})
    breakdowns.append({"type": "TAX", "subtotal": money(tax, currency),
                       "detailedBreakdowns": [{"subtype": "ITEM", "value": money(tax, currency)}]})
    fulfillment: dict[str, Any] = {"quantityFulfilled": shipped, "quantityUnfulfilled": quantity - shipped}
    if gift is not None:
        fulfillment["packing"] = {"giftOption": gift}
    return {
        "orderItemId": f"9000000000{n:04d}",
        "quantityOrdered": quantity,
        "product": {"asin": f"B0FAITH{n:03d}", "sellerSku": f"SKU-{n}", "title": f"Item {n}",
                    "price": {"unitPrice": money(unit, currency)}},
        "proceeds": {"proceedsTotal": money(unit, currency), "breakdowns": breakdowns},
        "fulfillment": fulfillment,
    }


def order(*, order_id: str = "503-0000001-0000001", marketplace: str = MARKETPLACE_US, currency: str = "USD",
          items: list[dict[str, Any]] | None = None, grand_total: str | None = None, status: str = "UNSHIPPED",
          programs: list[str] | None = None, address: dict[str, Any] | None = None,
          packages: list[dict[str, Any]] | None = None, last_updated: str = "2026-11-20T08:00:00Z",
          ship_by: tuple[str, str] = ("2026-11-20T10:00:00Z", "2026-11-21T10:00:00Z")) -> dict[str, Any]:
    """A merchant-fulfilled order with every dataset the hub reads filled (BUYER, RECIPIENT, PROCEEDS,
    PAYMENT, FULFILLMENT, PACKAGES), validated against the model."""
    items = items if items is not None else [item(1, currency=currency, unit="19.99", tax="1.60")]
    payload: dict[str, Any] = {
        "orderId": order_id,
        "orderAliases": [{"aliasId": "SO-1", "aliasType": "SELLER_ORDER_ID"}],
        "createdTime": "2026-11-20T07:00:00Z",
        "lastUpdatedTime": last_updated,
        "programs": programs or [],
        "salesChannel": {"channelName": "AMAZON", "marketplaceId": marketplace},
        "buyer": {"buyerName": "Buyer Name", "buyerEmail": "buyer@marketplace.amazon.example"},
        "recipient": {"deliveryAddress": address or {
            "name": "Recipient", "addressLine1": "1 Main St", "city": "Seattle", "stateOrRegion": "WA",
            "postalCode": "98101", "countryCode": "US", "addressType": "RESIDENTIAL"}},
        "proceeds": {"grandTotal": money(grand_total or "21.59", currency)},
        "payment": {"paymentExecutions": [{"paymentMethod": "Other",
                                           "paymentAmount": money(grand_total or "21.59", currency)}]},
        "fulfillment": {"fulfillmentStatus": status, "fulfilledBy": "MERCHANT",
                        "fulfillmentServiceLevel": "STANDARD",
                        "shipByWindow": {"earliestDateTime": ship_by[0], "latestDateTime": ship_by[1]},
                        "deliverByWindow": {"earliestDateTime": "2026-11-22T10:00:00Z",
                                            "latestDateTime": "2026-11-25T10:00:00Z"}},
        "orderItems": items,
    }
    if packages is not None:
        payload["packages"] = packages
    return checked(payload)


def package(ref: str, status: str, *, ship_time: str | None) -> dict[str, Any]:
    """An ``OrderPackage`` (``PACKAGES`` dataset) with its ``packageStatus``."""
    out: dict[str, Any] = {"packageReferenceId": ref, "packageStatus": {"status": status},
                           "carrier": "UPS", "trackingNumber": f"1Z{ref}", "createdTime": "2026-11-20T09:00:00Z"}
    if ship_time is not None:
        out["shipTime"] = ship_time
    return out


def brazilian_address() -> dict[str, Any]:
    """A ``CustomerAddress`` in Brazil with ``extendedFields``, ``districtOrCounty`` and ``municipality``."""
    return {"name": "Joana Silva", "addressLine1": "Avenida Paulista, 1578", "addressLine2": "Apto 42",
            "city": "São Paulo", "districtOrCounty": "Bela Vista", "stateOrRegion": "SP",
            "municipality": "São Paulo", "postalCode": "01310-200", "countryCode": "BR", "phone": "+55 11 5555-0101",
            "addressType": "RESIDENTIAL",
            "extendedFields": {"streetName": "Avenida Paulista", "streetNumber": "1578", "complement": "Apto 42",
                               "neighborhood": "Bela Vista"}}


def with_changes(payload: dict[str, Any], **top: Any) -> dict[str, Any]:
    out = copy.deepcopy(payload)
    out.update(top)
    return checked(out)
