"""The sandbox's POST_ORDER_ACKNOWLEDGEMENT_DATA processor: the seller cancelling order lines (B9, C4, I4)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest

from sellerbridge.sandbox import feeds_acknowledgement
from sellerbridge.sandbox.feed_processors import PROCESSORS
from sellerbridge.sandbox.state import Feed

FEED = "POST_ORDER_ACKNOWLEDGEMENT_DATA"


def _order(sandbox, seller, lines: int = 2):
    r = sandbox.http.post(f"/_sandbox/sellers/{seller.creds.seller_id}/orders",
                          json={"count": 1, "status": "Unshipped", "fba": False})
    assert r.status_code == 201, r.text
    order = sandbox.backend.sellers[seller.creds.seller_id].orders[r.json()["order_ids"][0]]
    first = order.lines[0]
    order.lines[:] = [replace(first, order_item_id=f"{first.order_item_id}{n}", quantity=2) for n in range(lines)]
    return order


def _document(*messages: tuple[str, str, list[tuple[str, str | None]]]) -> bytes:
    body = ""
    for n, (order_id, status, items) in enumerate(messages, start=1):
        item_xml = "".join(f"<Item><AmazonOrderItemCode>{i}</AmazonOrderItemCode>"
                           + (f"<CancelReason>{r}</CancelReason>" if r else "") + "</Item>" for i, r in items)
        body += (f"<Message><MessageID>{n}</MessageID><OrderAcknowledgement><AmazonOrderID>{order_id}"
                 f"</AmazonOrderID><StatusCode>{status}</StatusCode>{item_xml}</OrderAcknowledgement></Message>")
    return (f'<?xml version="1.0" encoding="UTF-8"?><AmazonEnvelope><Header><DocumentVersion>1.01</DocumentVersion>'
            f"<MerchantIdentifier>X</MerchantIdentifier></Header><MessageType>OrderAcknowledgement</MessageType>"
            f"{body}</AmazonEnvelope>").encode()


def _process(sandbox, seller, content: bytes) -> list[dict]:
    backend = sandbox.backend
    state = backend.sellers[seller.creds.seller_id]
    feed = Feed(feed_id=backend.next_feed_id(), seller_id=state.seller_id, feed_type=FEED,
                marketplace_ids=["ATVPDKIKX0DER"], input_document_id="doc", created=backend.now())
    with backend.lock:
        outcome = PROCESSORS[FEED](backend, state, feed, content, backend.now())
    assert outcome.status == "DONE"
    report = ET.fromstring(outcome.result).find("Message/ProcessingReport")
    return [{"id": int(r.findtext("MessageID")), "code": int(r.findtext("ResultMessageCode")),
             "text": r.findtext("ResultDescription")} for r in report.findall("Result")]


def test_b9_success_with_a_cancel_reason_cancels_that_item_only(sandbox, seller):
    order = _order(sandbox, seller)
    before = order.last_updated
    sandbox.advance(5)
    a, b = order.lines
    assert _process(sandbox, seller, _document((order.order_id, "Success", [(a.order_item_id, "NoInventory")]))) == []
    assert (a.quantity_cancelled, b.quantity_cancelled) == (2, 0)
    assert order.status == "Unshipped" and order.last_updated > before  # touched: ORDER_CHANGE, lastUpdated


def test_b9_cancelling_every_line_or_failure_cancels_the_order(sandbox, seller):
    order = _order(sandbox, seller)
    items = [(ln.order_item_id, "NoInventory") for ln in order.lines]
    assert _process(sandbox, seller, _document((order.order_id, "Success", items))) == []
    assert order.status == "Canceled" and order.cancelled_by == "SELLER" and order.cancel_reason == "NoInventory"
    other = _order(sandbox, seller)
    assert _process(sandbox, seller, _document((other.order_id, "Failure", []))) == []
    assert other.status == "Canceled" and all(ln.quantity_cancelled == 2 for ln in other.lines)


def test_b9_a_shipped_line_is_refused_and_the_rest_of_the_feed_goes_on(sandbox, seller):
    shipped = _order(sandbox, seller)
    shipped.lines[0].quantity_shipped = 1
    shipped.status = "PartiallyShipped"
    fine = _order(sandbox, seller)
    results = _process(sandbox, seller, _document(
        (shipped.order_id, "Success", [(shipped.lines[0].order_item_id, "NoInventory")]),
        (fine.order_id, "Success", [(fine.lines[1].order_item_id, "NoInventory")])))
    assert [(r["id"], r["code"]) for r in results] == [(1, feeds_acknowledgement.RESULT_CODES["ItemAlreadyShipped"])]
    assert "shipped" in results[0]["text"]
    assert shipped.lines[0].quantity_cancelled == 0
    assert fine.lines[1].quantity_cancelled == 2


@pytest.mark.parametrize(("mutate", "code"), [
    (lambda o, items: ("111-0000000-0000000", "Success", items), "OrderNotFound"),
    (lambda o, items: (o.order_id, "Maybe", items), "InvalidValue"),
    (lambda o, items: (o.order_id, "Success", [("999", "NoInventory")]), "InvalidOrderItemId"),
    (lambda o, items: (o.order_id, "Success", [(items[0][0], "Bored")]), "InvalidCancelReason"),
])
def test_b9_bad_messages_are_refused_with_a_code(sandbox, seller, mutate, code):
    order = _order(sandbox, seller)
    items = [(order.lines[0].order_item_id, "NoInventory")]
    [result] = _process(sandbox, seller, _document(mutate(order, items)))
    assert result["code"] == feeds_acknowledgement.RESULT_CODES[code]
    assert all(ln.quantity_cancelled == 0 for ln in order.lines)


def test_b9_a_document_that_is_not_an_acknowledgement_is_refused_whole(sandbox, seller):
    [result] = _process(sandbox, seller, b"<AmazonEnvelope><MessageType>Inventory</MessageType></AmazonEnvelope>")
    assert result["id"] == 0
    [parse] = _process(sandbox, seller, b"<not xml")
    assert parse["id"] == 0 and "XML Parsing" in parse["text"]
