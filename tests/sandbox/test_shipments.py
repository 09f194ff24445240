"""Shipment confirmation in the sandbox: confirmShipment, updateShipmentStatus (C1, C2, I4).

Contract tests against Amazon's Orders v0 model (every 400 validates), and the rules a package is
judged by: partial then full shipment, quantities, items, order status, AFN, package numbers,
carriers, ship dates, marketplaces.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import timedelta, timezone
from typing import Any
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sellerbridge.sandbox import feeds_fulfillment
from sellerbridge.sandbox.feed_processors import PROCESSORS
from sellerbridge.sandbox.state import Feed
from tests.support.models import validate_response

CONFIRM = "/orders/v0/orders/{}/shipmentConfirmation"
STATUS = "/orders/v0/orders/{}/shipment"


# --- helpers -----------------------------------------------------------------------------------


def _create(sandbox, seller, *, count: int = 1, status: str = "Unshipped", fba: bool = False) -> list:
    r = sandbox.http.post(f"/_sandbox/sellers/{seller.creds.seller_id}/orders",
                          json={"count": count, "status": status, "fba": fba})
    assert r.status_code == 201, r.text
    orders = sandbox.backend.sellers[seller.creds.seller_id].orders
    sandbox.advance(60)  # ship dates "now" are then after the purchase
    return [orders[i] for i in r.json()["order_ids"]]


def _order(sandbox, seller, **kw):
    return _create(sandbox, seller, **kw)[0]


def _iso(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _body(sandbox, order, items: list[tuple[str, int]] | None = None, **package: Any) -> dict:
    detail = {
        "packageReferenceId": "1", "carrierCode": "UPS", "shippingMethod": "Ground",
        "trackingNumber": "1Z999AA10123456784", "shipDate": _iso(sandbox.backend.now()),
        "orderItems": [{"orderItemId": i, "quantity": q} for i, q in
                       (items if items is not None else [(ln.order_item_id, ln.quantity) for ln in order.lines])],
    }
    detail.update(package)
    return {"marketplaceId": order.marketplace_id, "packageDetail": {k: v for k, v in detail.items() if v is not None}}


def _confirm(seller, order, body):
    return seller.post(CONFIRM.format(order.order_id), json=body)


def _rejected(r, operation: str = "confirmShipment", status: int = 400) -> str:
    assert r.status_code == status, r.text
    validate_response("orders_v0", operation, status, r.json())
    error = r.json()["errors"][0]
    assert error["code"] == ("InvalidInput" if status == 400 else "NotFound")
    return error["message"]


def _view(sandbox, seller, order) -> dict:
    r = sandbox.http.get(f"/_sandbox/sellers/{seller.creds.seller_id}/orders/{order.order_id}")
    assert r.status_code == 200
    return r.json()


def _one_line_of(order, quantity: int):
    """Arrange: the order has a single line of ``quantity`` units."""
    del order.lines[1:]
    order.lines[0].quantity = quantity
    return order.lines[0]


# --- confirmShipment: success ------------------------------------------------------------------


def test_c2_confirm_shipment_answers_204_with_no_body(sandbox, seller):
    order = _order(sandbox, seller)
    r = _confirm(seller, order, _body(sandbox, order))
    assert r.status_code == 204, r.text
    assert r.content == b""
    validate_response("orders_v0", "confirmShipment", 204, r.content)
    assert r.headers["x-amzn-RequestId"]
    assert r.headers["x-amzn-RateLimit-Limit"] == "2"


def test_given_unshipped_line_of_3_when_shipping_1_then_2_then_partially_shipped_then_shipped(sandbox, seller):
    order = _order(sandbox, seller)
    line = _one_line_of(order, 3)
    first = _confirm(seller, order, _body(sandbox, order, [(line.order_item_id, 1)], packageReferenceId="1"))
    assert first.status_code == 204, first.text
    view = _view(sandbox, seller, order)
    assert view["status"] == "PartiallyShipped"
    assert view["lines"][0]["quantity_shipped"] == 1
    second = _confirm(seller, order, _body(sandbox, order, [(line.order_item_id, 2)], packageReferenceId="2",
                                           carrierCode="FedEx", trackingNumber="7946"))
    assert second.status_code == 204, second.text
    view = _view(sandbox, seller, order)
    assert view["status"] == "Shipped"
    assert view["lines"][0]["quantity_shipped"] == 3
    assert [(s["package_reference_id"], s["carrier_code"], s["source"]) for s in view["shipments"]] == [
        ("1", "UPS", "confirmShipment"), ("2", "FedEx", "confirmShipment")]


def test_c2_multi_line_order_is_partially_shipped_until_every_line_ships(sandbox, seller):
    order = _order(sandbox, seller)
    if len(order.lines) < 2:  # arrange a second line
        order.lines.append(replace(order.lines[0], order_item_id=order.lines[0].order_item_id + "9"))
    a, b = order.lines[0], order.lines[1]
    r = _confirm(seller, order, _body(sandbox, order, [(a.order_item_id, a.quantity)]))
    assert r.status_code == 204, r.text
    assert order.status == "PartiallyShipped"
    rest = [(ln.order_item_id, ln.quantity) for ln in order.lines[1:]]
    r = _confirm(seller, order, _body(sandbox, order, rest, packageReferenceId="2"))
    assert r.status_code == 204, r.text
    assert order.status == "Shipped" and b.quantity_shipped == b.quantity


def test_c2_order_confirmed_shows_shipped_and_a_new_last_updated(sandbox, seller):
    order = _order(sandbox, seller)
    before = _view(sandbox, seller, order)["last_updated"]
    sandbox.advance(30)
    assert _confirm(seller, order, _body(sandbox, order)).status_code == 204
    view = _view(sandbox, seller, order)
    assert view["status"] == "Shipped"
    assert view["last_updated"] > before
    shipment = view["shipments"][0]
    assert shipment["tracking_number"] == "1Z999AA10123456784" and shipment["shipping_method"] == "Ground"


def test_given_shipped_order_when_getorder_then_fulfillment_status_shipped(sandbox, seller):
    order = _order(sandbox, seller)
    assert _confirm(seller, order, _body(sandbox, order)).status_code == 204
    r = seller.get(f"/orders/2026-01-01/orders/{order.order_id}", params={"includedData": "FULFILLMENT"})
    assert r.status_code == 200, r.text
    validate_response("orders_2026", "getOrder", 200, r.json())
    assert r.json()["order"]["fulfillment"]["fulfillmentStatus"] == "SHIPPED"


def test_c2_carrier_code_matches_without_case_and_is_stored_as_amazon_spells_it(sandbox, seller):
    order = _order(sandbox, seller)
    assert _confirm(seller, order, _body(sandbox, order, carrierCode="fedex")).status_code == 204
    assert order.shipments[0].carrier_code == "FedEx"


def test_c2_other_carrier_with_a_name_is_accepted_and_keeps_its_utf8_name(sandbox, seller):
    order = _order(sandbox, seller)
    name = "Transportes Peñíñsula Ñandú 🚚"
    r = _confirm(seller, order, _body(sandbox, order, carrierCode="Other", carrierName=name))
    assert r.status_code == 204, r.text
    assert _view(sandbox, seller, order)["shipments"][0]["carrier_name"] == name


def test_i4_ship_date_with_an_offset_and_fraction_is_accepted(sandbox, seller):
    order = _order(sandbox, seller)
    berlin = timezone(timedelta(hours=2))
    local = (sandbox.backend.now() - timedelta(seconds=30)).astimezone(berlin).isoformat(timespec="milliseconds")
    assert local.endswith("+02:00")
    r = _confirm(seller, order, _body(sandbox, order, shipDate=local))
    assert r.status_code == 204, r.text
    stored = order.shipments[0].ship_date
    assert stored.utcoffset() == timedelta(0)  # kept in UTC
    assert abs((stored - (sandbox.backend.now() - timedelta(seconds=30))).total_seconds()) < 0.001


def test_i4_fields_amazon_does_not_know_are_ignored(sandbox, seller):
    # python-amazon-sp-api adds marketplaceIds / MarketplaceIds to every POST body.
    order = _order(sandbox, seller)
    body = _body(sandbox, order) | {"marketplaceIds": ["X"], "MarketplaceIds": ["X"]}
    assert _confirm(seller, order, body).status_code == 204


# --- confirmShipment: the rules ----------------------------------------------------------------


def test_given_line_of_2_when_confirming_3_then_400_and_nothing_changes(sandbox, seller):
    order = _order(sandbox, seller)
    line = _one_line_of(order, 2)
    message = _rejected(_confirm(seller, order, _body(sandbox, order, [(line.order_item_id, 3)])))
    assert "exceeds the unshipped quantity 2" in message
    assert order.status == "Unshipped" and line.quantity_shipped == 0 and order.shipments == []


def test_given_partly_shipped_line_when_confirming_more_than_the_rest_then_400(sandbox, seller):
    order = _order(sandbox, seller)
    line = _one_line_of(order, 3)
    assert _confirm(seller, order, _body(sandbox, order, [(line.order_item_id, 2)])).status_code == 204
    message = _rejected(_confirm(seller, order, _body(sandbox, order, [(line.order_item_id, 2)],
                                                      packageReferenceId="2")))
    assert "unshipped quantity 1" in message
    assert line.quantity_shipped == 2


@pytest.mark.parametrize("quantity", [0, -1])
def test_given_quantity_below_one_when_confirming_then_400(sandbox, seller, quantity):
    order = _order(sandbox, seller)
    message = _rejected(_confirm(seller, order, _body(sandbox, order, [(order.lines[0].order_item_id, quantity)])))
    assert "must be at least 1" in message


def test_given_unknown_order_item_when_confirming_then_400_naming_it(sandbox, seller):
    order = _order(sandbox, seller)
    message = _rejected(_confirm(seller, order, _body(sandbox, order, [("99999999999999", 1)])))
    assert "OrderItemId 99999999999999 is invalid" in message
    assert order.status == "Unshipped"


def test_given_one_good_and_one_unknown_item_then_the_whole_package_is_refused(sandbox, seller):
    order = _order(sandbox, seller)
    good = order.lines[0]
    _rejected(_confirm(seller, order, _body(sandbox, order, [(good.order_item_id, 1), ("123", 1)])))
    assert good.quantity_shipped == 0 and order.shipments == []


def test_given_same_item_twice_in_a_package_then_400(sandbox, seller):
    order = _order(sandbox, seller)
    item = order.lines[0].order_item_id
    assert "more than once" in _rejected(_confirm(seller, order, _body(sandbox, order, [(item, 1), (item, 1)])))


def test_given_cancelled_order_when_confirming_then_400(sandbox, seller):
    order = _order(sandbox, seller)
    r = sandbox.http.post(f"/_sandbox/sellers/{seller.creds.seller_id}/orders/{order.order_id}/cancel",
                          json={"by": "AMAZON"})
    assert r.status_code == 200
    assert "canceled" in _rejected(_confirm(seller, order, _body(sandbox, order)))
    assert order.shipments == []


def test_given_pending_order_when_confirming_then_400(sandbox, seller):
    order = _order(sandbox, seller, status="Pending")
    assert "Pending" in _rejected(_confirm(seller, order, _body(sandbox, order)))


def test_given_shipped_order_when_confirming_again_then_400(sandbox, seller):
    order = _order(sandbox, seller)
    assert _confirm(seller, order, _body(sandbox, order)).status_code == 204
    message = _rejected(_confirm(seller, order, _body(sandbox, order, packageReferenceId="2")))
    assert "already been shipped" in message
    assert len(order.shipments) == 1


def test_b3_given_fba_order_when_seller_confirms_then_400(sandbox, seller):
    order = _order(sandbox, seller, fba=True)
    assert order.fulfillment_channel == "AFN"
    assert "fulfilled by Amazon" in _rejected(_confirm(seller, order, _body(sandbox, order)))
    assert order.status == "Unshipped"


def test_c2_given_package_reference_used_when_confirming_another_package_with_it_then_400(sandbox, seller):
    order = _order(sandbox, seller)
    line = _one_line_of(order, 2)
    assert _confirm(seller, order, _body(sandbox, order, [(line.order_item_id, 1)])).status_code == 204
    message = _rejected(_confirm(seller, order, _body(sandbox, order, [(line.order_item_id, 1)],
                                                      packageReferenceId="01")))
    assert "already been used" in message
    assert line.quantity_shipped == 1


@pytest.mark.parametrize("ref", ["0", "-1", "abc", "1.5", "²", "", "1" * 19])
def test_i4_package_reference_must_be_a_positive_number(sandbox, seller, ref):
    order = _order(sandbox, seller)
    _rejected(_confirm(seller, order, _body(sandbox, order, packageReferenceId=ref)))


def test_i4_numeric_package_reference_is_an_invalid_type_as_at_amazon_since_2026(sandbox, seller):
    order = _order(sandbox, seller)
    message = _rejected(_confirm(seller, order, _body(sandbox, order, packageReferenceId=1)))
    assert "invalid type [packageDetail.packageReferenceId]" in message


def test_c2_other_carrier_without_a_name_is_refused(sandbox, seller):
    order = _order(sandbox, seller)
    for name in (None, "", "   "):
        body = _body(sandbox, order, carrierCode="Other", carrierName=name)
        assert "CarrierName is required" in _rejected(_confirm(seller, order, body))


def test_c2_unknown_carrier_code_is_refused_with_a_hint_to_use_other(sandbox, seller):
    order = _order(sandbox, seller)
    message = _rejected(_confirm(seller, order, _body(sandbox, order, carrierCode="Pony Express")))
    assert "'Pony Express' is not a valid carrier code" in message and "Other" in message


def test_c2_ship_date_in_the_future_is_refused(sandbox, seller):
    order = _order(sandbox, seller)
    tomorrow = _iso(sandbox.backend.now() + timedelta(days=1))
    assert "in the future" in _rejected(_confirm(seller, order, _body(sandbox, order, shipDate=tomorrow)))


def test_c2_ship_date_before_the_purchase_is_refused(sandbox, seller):
    order = _order(sandbox, seller)
    before = _iso(order.purchase_date - timedelta(hours=1))
    assert "before the order's purchase date" in _rejected(
        _confirm(seller, order, _body(sandbox, order, shipDate=before)))


def test_c2_ship_date_a_minute_off_either_way_is_clock_skew_not_an_error(sandbox, seller):
    a, b = _create(sandbox, seller, count=2)
    early = _iso(a.purchase_date - timedelta(minutes=1))
    late = _iso(sandbox.backend.now() + timedelta(minutes=1))
    assert _confirm(seller, a, _body(sandbox, a, shipDate=early)).status_code == 204
    assert _confirm(seller, b, _body(sandbox, b, shipDate=late)).status_code == 204


@pytest.mark.parametrize("value", ["2026-01-02", "yesterday", "2026-13-01T00:00:00Z", "02/01/2026 10:00",
                                   "9999-12-31T23:59:59-23:59"])
def test_i4_ship_date_must_be_an_iso_8601_date_time(sandbox, seller, value):
    order = _order(sandbox, seller)
    _rejected(_confirm(seller, order, _body(sandbox, order, shipDate=value)))


def test_i4_marketplace_must_be_the_orders(sandbox, seller):
    order = _order(sandbox, seller)
    for marketplace in ("A2EUQ1WTGCTBG2", "NOPE"):  # Canada (not this order's), and no marketplace at all
        body = _body(sandbox, order) | {"marketplaceId": marketplace}
        assert marketplace in _rejected(_confirm(seller, order, body))
    assert order.status == "Unshipped"


@pytest.mark.parametrize("path", ["marketplaceId", "packageDetail", "packageDetail.packageReferenceId",
                                  "packageDetail.carrierCode", "packageDetail.trackingNumber",
                                  "packageDetail.shipDate", "packageDetail.orderItems"])
def test_i4_each_required_field_missing_gives_400(sandbox, seller, path):
    order = _order(sandbox, seller)
    body = _body(sandbox, order)
    parent = body["packageDetail"] if path.startswith("packageDetail.") else body
    del parent[path.split(".")[-1]]
    assert path in _rejected(_confirm(seller, order, body))


@pytest.mark.parametrize(("field", "value"), [("carrierCode", 7), ("trackingNumber", ["1Z"]), ("orderItems", {}),
                                              ("shipDate", 1767225600)])
def test_i4_wrong_json_types_give_400_naming_the_field(sandbox, seller, field, value):
    order = _order(sandbox, seller)
    body = _body(sandbox, order, **{field: value})
    assert f"[packageDetail.{field}]" in _rejected(_confirm(seller, order, body))


@pytest.mark.parametrize("item", [{"orderItemId": "1"}, {"quantity": 1}, {"orderItemId": "1", "quantity": "1"},
                                  {"orderItemId": "1", "quantity": True}, "1"])
def test_i4_malformed_order_items_give_400(sandbox, seller, item):
    order = _order(sandbox, seller)
    body = _body(sandbox, order)
    body["packageDetail"]["orderItems"] = [item]
    _rejected(_confirm(seller, order, body))


def test_i4_empty_order_items_give_400(sandbox, seller):
    order = _order(sandbox, seller)
    _rejected(_confirm(seller, order, _body(sandbox, order, [])))


@pytest.mark.parametrize("raw", [b"", b"{not json", b"[1, 2]", b'"text"'])
def test_i4_a_body_that_is_not_a_json_object_gives_400(sandbox, seller, raw):
    order = _order(sandbox, seller)
    r = seller.post(CONFIRM.format(order.order_id), content=raw, headers={"content-type": "application/json"})
    _rejected(r)


def test_i4_cod_collection_method_is_only_for_japan(sandbox, seller):
    order = _order(sandbox, seller)
    for cod in ("DirectPayment", "Cash"):
        _rejected(_confirm(seller, order, _body(sandbox, order) | {"codCollectionMethod": cod}))


def test_i4_unknown_order_gives_404_and_a_malformed_id_400(sandbox, seller):
    order = _order(sandbox, seller)
    body = _body(sandbox, order)
    _rejected(seller.post(CONFIRM.format("111-0000000-0000000"), json=body), status=404)
    _rejected(seller.post(CONFIRM.format("not-an-order"), json=body))


def test_i4_another_sellers_order_is_not_found(sandbox, seller):
    other = sandbox.client_for(sandbox.create_seller(marketplaces=["US"], catalog_size=10, seed=99))
    order = _order(sandbox, seller)
    _rejected(other.post(CONFIRM.format(order.order_id), json=_body(sandbox, order)), status=404)
    assert order.status == "Unshipped"


def test_g1_confirm_shipment_allows_a_burst_of_10_then_429(sandbox, seller):
    path = CONFIRM.format("111-0000000-0000000")
    codes = [seller.post(path, json={"marketplaceId": "ATVPDKIKX0DER"}).status_code for _ in range(11)]
    assert codes[:10] == [400] * 10 and codes[10] == 429
    r = seller.post(path, json={})
    validate_response("orders_v0", "confirmShipment", 429, r.json())


def test_i4_no_token_gives_403_in_the_models_shape(sandbox):
    r = sandbox.http.post(CONFIRM.format("111-0000000-0000000"), json={})
    assert r.status_code == 403
    validate_response("orders_v0", "confirmShipment", 403, r.json())


# --- updateShipmentStatus ----------------------------------------------------------------------


def _status(seller, order, status: str = "ReadyForPickup", **extra: Any):
    return seller.post(STATUS.format(order.order_id),
                       json={"marketplaceId": order.marketplace_id, "shipmentStatus": status} | extra)


def test_i4_update_shipment_status_answers_204_and_records_the_status(sandbox, seller):
    order = _order(sandbox, seller)
    r = _status(seller, order)
    assert r.status_code == 204 and r.content == b""
    validate_response("orders_v0", "updateShipmentStatus", 204, r.content)
    assert r.headers["x-amzn-RateLimit-Limit"] == "5"
    assert _view(sandbox, seller, order)["shipment_status"] == "ReadyForPickup"
    assert _status(seller, order, "PickedUp").status_code == 204
    assert order.shipment_status == "PickedUp"


def test_i4_update_shipment_status_takes_order_items_and_extra_fields(sandbox, seller):
    order = _order(sandbox, seller)
    line = order.lines[0]
    r = _status(seller, order, "RefusedPickup", orderItems=[{"orderItemId": line.order_item_id, "quantity": 1}],
                marketplaceIds=[order.marketplace_id])
    assert r.status_code == 204, r.text
    assert order.shipment_status == "RefusedPickup"


@pytest.mark.parametrize("body", [
    {"shipmentStatus": "ReadyForPickup"},
    {"marketplaceId": "ATVPDKIKX0DER"},
    {"marketplaceId": "ATVPDKIKX0DER", "shipmentStatus": "Delivered"},
    {"marketplaceId": "ATVPDKIKX0DER", "shipmentStatus": 1},
    {"marketplaceId": "A2EUQ1WTGCTBG2", "shipmentStatus": "PickedUp"},
    {"marketplaceId": "ATVPDKIKX0DER", "shipmentStatus": "PickedUp", "orderItems": [{"orderItemId": "nope"}]},
    {"marketplaceId": "ATVPDKIKX0DER", "shipmentStatus": "PickedUp", "orderItems": {"a": 1}},
])
def test_i4_update_shipment_status_invalid_input_gives_400(sandbox, seller, body):
    order = _order(sandbox, seller)
    assert order.marketplace_id == "ATVPDKIKX0DER"
    _rejected(seller.post(STATUS.format(order.order_id), json=body), "updateShipmentStatus")
    assert order.shipment_status is None


def test_i4_update_shipment_status_quantity_above_the_line_gives_400(sandbox, seller):
    order = _order(sandbox, seller)
    line = order.lines[0]
    r = _status(seller, order, orderItems=[{"orderItemId": line.order_item_id, "quantity": line.quantity + 1}])
    _rejected(r, "updateShipmentStatus")


def test_b3_update_shipment_status_of_an_fba_order_gives_400(sandbox, seller):
    order = _order(sandbox, seller, fba=True)
    assert "fulfilled by Amazon" in _rejected(_status(seller, order), "updateShipmentStatus")


def test_i4_update_shipment_status_of_a_cancelled_order_gives_400(sandbox, seller):
    order = _order(sandbox, seller)
    sandbox.http.post(f"/_sandbox/sellers/{seller.creds.seller_id}/orders/{order.order_id}/cancel", json={})
    assert order.status == "Canceled"
    _rejected(_status(seller, order), "updateShipmentStatus")


def test_i4_update_shipment_status_of_an_unknown_order_gives_404(sandbox, seller):
    r = seller.post(STATUS.format("111-0000000-0000000"),
                    json={"marketplaceId": "ATVPDKIKX0DER", "shipmentStatus": "PickedUp"})
    _rejected(r, "updateShipmentStatus", status=404)


# --- fulfillment feeds: the processors called directly ----------------------------------------

XML_FEED = "POST_ORDER_FULFILLMENT_DATA"
FLAT_FEED = "POST_FLAT_FILE_FULFILLMENT_DATA"
EMOJI_CARRIER = "Transportes Peñíñsula Ñandú 🚚"


def _process(sandbox, seller, feed_type: str, content: bytes) -> dict:
    """Run the registered processor; answer the report read back (and the outcome)."""
    backend = sandbox.backend
    state = backend.sellers[seller.creds.seller_id]
    feed = Feed(feed_id=backend.next_feed_id(), seller_id=state.seller_id, feed_type=feed_type,
                marketplace_ids=["ATVPDKIKX0DER"], input_document_id="doc", created=backend.now())
    with backend.lock:
        outcome = PROCESSORS[feed_type](backend, state, feed, content, backend.now())
    assert outcome.result_content_type == "text/xml; charset=UTF-8"
    assert outcome.result.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(outcome.result)  # the report is well-formed UTF-8 XML whatever came in
    assert root.tag == "AmazonEnvelope" and root.findtext("MessageType") == "ProcessingReport"
    assert root.findtext("Header/MerchantIdentifier") == state.seller_id
    report = root.find("Message/ProcessingReport")
    assert report.findtext("DocumentTransactionID") == feed.feed_id
    assert report.findtext("StatusCode") == "Complete"
    summary = {c.tag: int(c.text) for c in report.find("ProcessingSummary")}
    results = [{"id": int(r.findtext("MessageID")), "result": r.findtext("ResultCode"),
                "code": int(r.findtext("ResultMessageCode")), "text": r.findtext("ResultDescription"),
                "order": r.findtext("AdditionalInfo/AmazonOrderID")} for r in report.findall("Result")]
    assert summary["MessagesWithError"] == len(results)
    return {"outcome": outcome, "summary": summary, "results": results}


def _summary(processed: int, ok: int, errors: int) -> dict:
    return {"MessagesProcessed": processed, "MessagesSuccessful": ok, "MessagesWithError": errors,
            "MessagesWithWarning": 0}


def _xml_message(mid: int, order_id: str, ship_date: str, *, code: str | None = "UPS", name: str | None = None,
                 method: str | None = "Ground", tracking: str | None = "1Z1",
                 items: list[tuple[str, int | None]] | None = None, package: str | None = None) -> str:
    data = "".join(f"<{tag}>{escape(value)}</{tag}>" for tag, value in (
        ("CarrierCode", code), ("CarrierName", name), ("ShippingMethod", method),
        ("ShipperTrackingNumber", tracking)) if value is not None)
    lines = "".join(f"<Item><AmazonOrderItemCode>{i}</AmazonOrderItemCode>"
                    + (f"<Quantity>{q}</Quantity>" if q is not None else "") + "</Item>" for i, q in items or [])
    merchant = f"<MerchantFulfillmentID>{package}</MerchantFulfillmentID>" if package else ""
    return (f"<Message><MessageID>{mid}</MessageID><OperationType>Update</OperationType><OrderFulfillment>"
            f"<AmazonOrderID>{order_id}</AmazonOrderID>{merchant}<FulfillmentDate>{ship_date}</FulfillmentDate>"
            f"<FulfillmentData>{data}</FulfillmentData>{lines}</OrderFulfillment></Message>")


def _envelope(*messages: str, message_type: str = "OrderFulfillment", encoding: str = "UTF-8") -> bytes:
    text = (f'<?xml version="1.0" encoding="{encoding}"?>\n'
            '<AmazonEnvelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xsi:noNamespaceSchemaLocation="amzn-envelope.xsd">'
            "<Header><DocumentVersion>1.01</DocumentVersion><MerchantIdentifier>M_SELLER</MerchantIdentifier></Header>"
            f"<MessageType>{message_type}</MessageType>{''.join(messages)}</AmazonEnvelope>")
    return text.encode(encoding)


def test_i4_both_fulfillment_feed_types_are_registered():
    assert PROCESSORS[XML_FEED] is feeds_fulfillment.process_order_fulfillment
    assert PROCESSORS[FLAT_FEED] is feeds_fulfillment.process_flat_file_fulfillment


def test_c1_xml_feed_ships_whole_orders_and_single_items_and_reports_success(sandbox, seller):
    whole, partial = _create(sandbox, seller, count=2)
    line = _one_line_of(partial, 3)
    now = _iso(sandbox.backend.now())
    feed = _envelope(
        _xml_message(1, whole.order_id, now, code=None, name=EMOJI_CARRIER, method="Económico", tracking="ÑÚ-1"),
        _xml_message(2, partial.order_id, now, items=[(line.order_item_id, 2)]))
    out = _process(sandbox, seller, XML_FEED, feed)
    assert out["outcome"].status == "DONE" and out["outcome"].messages == 2
    assert out["summary"] == _summary(2, 2, 0) and out["results"] == []
    assert whole.status == "Shipped" and all(ln.quantity_unshipped == 0 for ln in whole.lines)
    shipment = whole.shipments[0]
    assert (shipment.carrier_code, shipment.carrier_name) == ("Other", EMOJI_CARRIER)
    assert (shipment.shipping_method, shipment.tracking_number, shipment.source) == ("Económico", "ÑÚ-1", XML_FEED)
    assert shipment.package_reference_id == "1"  # Amazon numbers packages the feed does not
    assert partial.status == "PartiallyShipped" and line.quantity_shipped == 2


def test_c1_xml_item_without_quantity_ships_the_rest_of_the_line(sandbox, seller):
    order = _order(sandbox, seller)
    line = _one_line_of(order, 3)
    now = _iso(sandbox.backend.now())
    assert _process(sandbox, seller, XML_FEED, _envelope(
        _xml_message(1, order.order_id, now, items=[(line.order_item_id, 1)])))["results"] == []
    out = _process(sandbox, seller, XML_FEED, _envelope(
        _xml_message(1, order.order_id, now, items=[(line.order_item_id, None)])))
    assert out["results"] == []
    assert order.status == "Shipped" and [s.package_reference_id for s in order.shipments] == ["1", "2"]
    assert [s.items[0].quantity for s in order.shipments] == [1, 2]


def test_c4_xml_feed_with_some_bad_messages_applies_the_good_and_reports_each_error(sandbox, seller):
    good, over, cancelled = _create(sandbox, seller, count=3)
    afn = _order(sandbox, seller, fba=True)
    sandbox.http.post(f"/_sandbox/sellers/{seller.creds.seller_id}/orders/{cancelled.order_id}/cancel", json={})
    line = _one_line_of(over, 1)
    now = _iso(sandbox.backend.now())
    out = _process(sandbox, seller, XML_FEED, _envelope(
        _xml_message(1, good.order_id, now),
        _xml_message(2, "111-0000000-0000000", now),
        _xml_message(3, over.order_id, now, items=[(line.order_item_id, 5)]),
        _xml_message(4, afn.order_id, now),
        _xml_message(5, cancelled.order_id, now),
        _xml_message(6, good.order_id, now, code="Pony Express")))
    assert out["summary"] == _summary(6, 1, 5)
    assert [(r["id"], r["code"], r["order"]) for r in out["results"]] == [
        (2, 18001, "111-0000000-0000000"), (3, 18054, over.order_id), (4, 18010, afn.order_id),
        (5, 18012, cancelled.order_id), (6, 18013, good.order_id)]
    assert all(r["result"] == "Error" and r["text"] for r in out["results"])
    assert good.status == "Shipped"
    assert over.shipments == [] and afn.shipments == [] and cancelled.shipments == []


def test_c2_xml_merchant_fulfillment_id_is_the_package_number_and_may_not_repeat(sandbox, seller):
    order = _order(sandbox, seller)
    line = _one_line_of(order, 2)
    now = _iso(sandbox.backend.now())
    out = _process(sandbox, seller, XML_FEED, _envelope(
        _xml_message(1, order.order_id, now, items=[(line.order_item_id, 1)], package="7"),
        _xml_message(2, order.order_id, now, items=[(line.order_item_id, 1)], package="7")))
    assert out["summary"] == _summary(2, 1, 1)
    assert out["results"][0]["code"] == 18021
    assert [s.package_reference_id for s in order.shipments] == ["7"]


def test_c2_xml_feed_other_carrier_without_name_and_future_date_are_errors(sandbox, seller):
    a, b = _create(sandbox, seller, count=2)
    now = sandbox.backend.now()
    out = _process(sandbox, seller, XML_FEED, _envelope(
        _xml_message(1, a.order_id, _iso(now), code="Other"),
        _xml_message(2, b.order_id, _iso(now + timedelta(days=2)))))
    assert [(r["id"], r["code"]) for r in out["results"]] == [(1, 18032), (2, 18040)]
    assert a.shipments == [] and b.shipments == []


def test_d8_xml_feed_in_latin1_with_accents_is_read_correctly(sandbox, seller):
    order = _order(sandbox, seller)
    feed = _envelope(_xml_message(1, order.order_id, _iso(sandbox.backend.now()), code=None,
                                  name="Correos Exprés Señal"), encoding="ISO-8859-1")
    assert "é".encode() not in feed  # really Latin-1 bytes
    assert _process(sandbox, seller, XML_FEED, feed)["results"] == []
    assert order.shipments[0].carrier_name == "Correos Exprés Señal"


def test_d8_report_carries_utf8_and_drops_characters_xml_cannot_hold(sandbox, seller):
    order = _order(sandbox, seller)
    row = f"{order.order_id}\t\t\t{_iso(sandbox.backend.now())}\tCorreos Exprés 📦\x01\t\t1\t"
    out = _process(sandbox, seller, FLAT_FEED, (FLAT_HEADER + row + "\n").encode())
    (result,) = out["results"]
    assert result["code"] == 18031 and "'Correos Exprés 📦'" in result["text"]


@pytest.mark.parametrize("content", [
    pytest.param(b"<?xml version='1.0'?><AmazonEnvelope><MessageType>OrderFulfillment</Message", id="truncated"),
    pytest.param(b"", id="empty"),
    pytest.param(b"order-id\tship-date\n", id="a flat file"),
    pytest.param(b"\xff\xfe<\x00A\x00", id="binary"),
    pytest.param(b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
                 b"<AmazonEnvelope><MessageType>&lol2;</MessageType></AmazonEnvelope>", id="entities"),
    pytest.param(b"<Envelope><MessageType>OrderFulfillment</MessageType></Envelope>", id="wrong root"),
])
def test_i4_malformed_xml_feed_gives_one_error_and_no_changes(sandbox, seller, content):
    order = _order(sandbox, seller)
    out = _process(sandbox, seller, XML_FEED, content)
    assert out["outcome"].status == "DONE"
    assert out["summary"] == _summary(0, 0, 1)
    (result,) = out["results"]
    assert result["id"] == 0 and result["code"] in (5000, 5001)
    assert order.shipments == []


def test_i4_xml_parse_error_is_amazons_5001_with_line_and_column(sandbox, seller):
    out = _process(sandbox, seller, XML_FEED, b"<AmazonEnvelope>\n<Message></Mess>")
    (result,) = out["results"]
    assert result["code"] == 5001 and "Line 2, Column" in result["text"]


@pytest.mark.parametrize("broken", [
    pytest.param(lambda m: m.replace("<FulfillmentDate>", "<ShipDate>").replace("</FulfillmentDate>", "</ShipDate>"),
                 id="no FulfillmentDate"),
    pytest.param(lambda m: m.replace("Z</FulfillmentDate>", "X</FulfillmentDate>"), id="bad FulfillmentDate"),
    pytest.param(lambda m: m.replace("<MessageID>2</MessageID>", ""), id="no MessageID"),
    pytest.param(lambda m: m.replace("<Quantity>1</Quantity>", "<Quantity>two</Quantity>"), id="bad Quantity"),
    pytest.param(lambda m: m.replace("AmazonOrderID", "OrderRef"), id="no AmazonOrderID"),
])
def test_i4_schema_invalid_message_refuses_the_whole_xml_document(sandbox, seller, broken):
    good, other = _create(sandbox, seller, count=2)
    now = _iso(sandbox.backend.now())
    second = broken(_xml_message(2, other.order_id, now, items=[(other.lines[0].order_item_id, 1)]))
    out = _process(sandbox, seller, XML_FEED, _envelope(_xml_message(1, good.order_id, now), second))
    assert out["summary"] == _summary(0, 0, 1)
    assert out["results"][0]["code"] == 5000 and "Message 2" in out["results"][0]["text"]
    assert good.shipments == [] and other.shipments == []  # validated whole before anything is applied


def test_i4_xml_of_another_message_type_is_refused(sandbox, seller):
    order = _order(sandbox, seller)
    out = _process(sandbox, seller, XML_FEED, _envelope(
        _xml_message(1, order.order_id, _iso(sandbox.backend.now())), message_type="OrderAcknowledgement"))
    assert "OrderAcknowledgement" in out["results"][0]["text"]
    assert order.shipments == []


FLAT_HEADER = "order-id\torder-item-id\tquantity\tship-date\tcarrier-code\tcarrier-name\ttracking-number\tship-method\n"


def _flat(*rows: tuple, header: str = FLAT_HEADER) -> bytes:
    return (header + "".join("\t".join("" if v is None else str(v) for v in row) + "\n" for row in rows)).encode()


def test_c1_flat_file_ships_rows_with_dates_carriers_and_whole_orders(sandbox, seller):
    whole, partial, dated = _create(sandbox, seller, count=3)
    line = _one_line_of(partial, 3)
    now = sandbox.backend.now()
    content = b"\xef\xbb\xbf" + _flat(
        (whole.order_id, "", "", _iso(now), "", EMOJI_CARRIER, "TRK-1", "Standard"),
        (partial.order_id, line.order_item_id, 1, _iso(now), "usps", "", "9400", ""),
        (dated.order_id, "", "", now.date().isoformat(), "DHL", "", "JJD1", "Paket"))
    out = _process(sandbox, seller, FLAT_FEED, content)
    assert out["outcome"].status == "DONE" and out["outcome"].messages == 3
    assert out["summary"] == _summary(3, 3, 0)
    assert whole.status == "Shipped" and dated.status == "Shipped"
    shipment = whole.shipments[0]
    assert (shipment.carrier_code, shipment.carrier_name, shipment.source) == ("Other", EMOJI_CARRIER, FLAT_FEED)
    assert partial.status == "PartiallyShipped" and partial.shipments[0].carrier_code == "USPS"
    assert whole.purchase_date <= dated.shipments[0].ship_date <= now  # a bare date of today is "today"


def test_c4_flat_file_reports_each_bad_row_by_its_number(sandbox, seller):
    good, over, other = _create(sandbox, seller, count=3)
    line = _one_line_of(over, 1)
    now = _iso(sandbox.backend.now())
    # a bare date two days ahead: "tomorrow" is its midnight, within the 15-minute clock-skew allowance
    # when the sandbox's clock reads 23:45 to midnight UTC
    future = (sandbox.backend.now() + timedelta(days=2)).date().isoformat()
    out = _process(sandbox, seller, FLAT_FEED, _flat(
        (good.order_id, "", "", now, "UPS", "", "1Z", ""),
        ("111-0000000-0000000", "", "", now, "UPS", "", "1Z", ""),
        (other.order_id, "", "", "31/12/2026", "UPS", "", "1Z", ""),
        (over.order_id, line.order_item_id, "x", now, "UPS", "", "1Z", ""),
        (over.order_id, line.order_item_id, 2, now, "UPS", "", "1Z", ""),
        (other.order_id, "", "", now, "Other", "", "1Z", ""),
        ("", "", "", now, "UPS", "", "1Z", ""),
        (other.order_id, "", "", future, "UPS", "", "1Z", ""),
        (other.order_id, "nope", 1, now, "UPS", "", "1Z", "")))
    assert out["summary"] == _summary(9, 1, 8)
    assert [(r["id"], r["code"]) for r in out["results"]] == [
        (2, 18001), (3, 18003), (4, 18003), (5, 18054), (6, 18032), (7, 18002), (8, 18040), (9, 18051)]
    assert good.status == "Shipped" and over.shipments == [] and other.shipments == []


def test_i4_flat_file_template_type_row_and_short_rows_are_accepted(sandbox, seller):
    order = _order(sandbox, seller)
    content = ("TemplateType=OrderFulfillment\tVersion=2011.1102\n" + FLAT_HEADER.replace("-", "_")
               + f"{order.order_id}\t\t\t{_iso(sandbox.backend.now())}\tFedEx\n").encode()
    assert _process(sandbox, seller, FLAT_FEED, content)["results"] == []
    assert order.shipments[0].carrier_code == "FedEx" and order.shipments[0].tracking_number == ""


def test_d8_flat_file_in_windows_1252_is_read_correctly(sandbox, seller):
    order = _order(sandbox, seller)
    row = f"{order.order_id}\t\t\t{_iso(sandbox.backend.now())}\tOther\tCorreos Exprés®\t1\t\n"
    assert _process(sandbox, seller, FLAT_FEED, (FLAT_HEADER + row).encode("cp1252"))["results"] == []
    assert order.shipments[0].carrier_name == "Correos Exprés®"


@pytest.mark.parametrize("content", [
    pytest.param(b"", id="empty"),
    pytest.param(b"\n \n", id="blank"),
    pytest.param(b"just some words\nand more\n", id="no header"),
    pytest.param(b"order-id\tcarrier-code\n111-0000000-0000000\tUPS\n", id="no ship-date column"),
    pytest.param(b'<?xml version="1.0"?><AmazonEnvelope/>', id="xml"),
    pytest.param(b"\x00\xff\xfe\x81\x8d", id="binary"),
])
def test_i4_malformed_flat_file_gives_one_error_and_no_changes(sandbox, seller, content):
    order = _order(sandbox, seller)
    out = _process(sandbox, seller, FLAT_FEED, content)
    assert out["outcome"].status == "DONE"
    assert out["summary"] == _summary(0, 0, 1)
    assert out["results"][0]["id"] == 0 and out["results"][0]["code"] == 5000
    assert order.shipments == []


def test_i4_fulfillment_feed_end_to_end_through_the_feeds_api(sandbox, seller):
    order = _order(sandbox, seller)
    content = _envelope(_xml_message(1, order.order_id, _iso(sandbox.backend.now()), name=EMOJI_CARRIER, code=None))
    doc = seller.post("/feeds/2021-06-30/documents", json={"contentType": "text/xml; charset=UTF-8"}).json()
    assert sandbox.http.put(doc["url"], content=content,
                            headers={"Content-Type": "text/xml; charset=UTF-8"}).status_code == 200
    r = seller.post("/feeds/2021-06-30/feeds", json={"feedType": XML_FEED, "marketplaceIds": ["ATVPDKIKX0DER"],
                                                     "inputFeedDocumentId": doc["feedDocumentId"]})
    assert r.status_code == 202, r.text
    feed_id = r.json()["feedId"]
    assert order.shipments == []  # nothing happens while the feed waits
    sandbox.advance(sandbox.backend.timings.feed_queue_seconds + sandbox.backend.timings.feed_base_seconds + 5)
    feed = seller.get(f"/feeds/2021-06-30/feeds/{feed_id}").json()
    assert feed["processingStatus"] == "DONE", feed
    result = seller.get(f"/feeds/2021-06-30/documents/{feed['resultFeedDocumentId']}").json()
    report = ET.fromstring(sandbox.http.get(result["url"]).content)
    assert report.findtext("Message/ProcessingReport/ProcessingSummary/MessagesSuccessful") == "1"
    assert order.status == "Shipped" and order.shipments[0].carrier_name == EMOJI_CARRIER


# --- nothing makes them fail with a 500 or an exception ---------------------------------------

_scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
            | st.text(max_size=30))
_json = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=3)
                     | st.dictionaries(st.text(max_size=10), inner, max_size=3), max_leaves=8)


def test_i4_no_package_detail_value_gives_a_500(sandbox):
    client = sandbox.client_for(sandbox.create_seller(marketplaces=["US"], catalog_size=10,
                                                      usage_plans={"confirmShipment": [1000, 1000]}))
    orders = sandbox.backend.sellers[client.creds.seller_id].orders

    @settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(field=st.sampled_from(["packageReferenceId", "carrierCode", "carrierName", "shippingMethod",
                                  "trackingNumber", "shipDate", "orderItems", "shipFromSupplySourceId"]),
           value=_json | st.text(alphabet=st.characters(codec="utf-8"), max_size=40))
    def check(field, value):
        order_id = sandbox.http.post(f"/_sandbox/sellers/{client.creds.seller_id}/orders",
                                     json={"status": "Unshipped", "fba": False}).json()["order_ids"][0]
        order = orders[order_id]
        r = _confirm(client, order, _body(sandbox, order, **{field: value}))
        assert r.status_code in (204, 400), r.text
        if r.status_code == 400:
            validate_response("orders_v0", "confirmShipment", 400, r.json())

    check()
    assert not sandbox.backend.internal_errors


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(feed_type=st.sampled_from([XML_FEED, FLAT_FEED]),
       content=st.binary(max_size=200) | st.text(max_size=200).map(str.encode)
       | st.lists(st.sampled_from(["<AmazonEnvelope>", "<MessageType>OrderFulfillment</MessageType>", "<Message>",
                                   "<MessageID>1</MessageID>", "<OrderFulfillment>", "</Message>", "\t", "\n",
                                   "order-id", "ship-date", "2026-01-01", "<Item>", "</AmazonEnvelope>"]),
                  max_size=20).map(lambda parts: "".join(parts).encode()))
def test_i4_fulfillment_processors_never_raise_and_always_report(sandbox, seller, feed_type, content):
    out = _process(sandbox, seller, feed_type, content)  # parses the report and checks its shape
    assert out["outcome"].status == "DONE"
    assert not sandbox.backend.internal_errors
