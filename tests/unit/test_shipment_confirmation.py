"""Pure rules of confirming shipments and cancelling lines (C2, C3, B9; domain/shipments/confirmation.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sellerbridge.domain.orders.model import OrderStatus, PackageDraft, PackageStatus
from sellerbridge.domain.shipments import confirmation as c


def test_c2_threshold_is_the_break_even_of_amazons_limits():
    # burst 10, 2 calls/s, a feed's ~120 s: 10 + 2 x 120
    assert c.FEED_THRESHOLD == 250
    assert c.choose_path(1) is c.Path.CONFIRM_SHIPMENT
    assert c.choose_path(250) is c.Path.CONFIRM_SHIPMENT
    assert c.choose_path(251) is c.Path.FEED
    # at the threshold both paths take about as long
    calls_seconds = (c.FEED_THRESHOLD - c.CONFIRM_SHIPMENT_BURST) / c.CONFIRM_SHIPMENT_RATE
    assert calls_seconds == pytest.approx(c.FEED_LATENCY_SECONDS)


@pytest.mark.parametrize(("answer", "outcome"), [
    (c.AmazonAnswer(ok=True), c.Outcome.CONFIRMED),
    (c.AmazonAnswer(ok=False, code="InvalidInput", already_shipped=True), c.Outcome.RECONCILE),
    (c.AmazonAnswer(ok=False, code="InvalidInput", order_cancelled=True), c.Outcome.HELD),
    (c.AmazonAnswer(ok=False, code="InternalFailure", retryable=True), c.Outcome.RETRY),
    (c.AmazonAnswer(ok=False, code="InvalidInput", message="bad carrier"), c.Outcome.FAILED),
])
def test_c2_c4_outcome_of_amazons_answer(answer, outcome):
    assert c.outcome_of(answer) is outcome


def pkg(ref: str) -> PackageDraft:
    return PackageDraft(reference_id=ref, status=PackageStatus.SHIPPED)


@pytest.mark.parametrize(("packages", "said", "may", "decision"), [
    ([pkg("12")], True, True, c.Reconciled.CONFIRMED),
    ([pkg("012")], False, False, c.Reconciled.CONFIRMED),  # Amazon reads "012" and "12" as one package
    ([pkg("13")], True, True, c.Reconciled.PERSON),  # shipped by someone else: a person decides
    ([], False, True, c.Reconciled.RESEND),  # a crash before the call: send once more
    ([], False, False, c.Reconciled.PERSON),  # sent twice already: a person
])
def test_c2_reconcile_reads_the_order_then_decides(packages, said, may, decision):
    assert c.reconcile(packages, 12, amazon_said_shipped=said, may_resend=may) is decision


def test_c3_whole_line_shipped_consumes_the_hold_partial_reduces_it():
    lines = [c.LineState(1, 100, 3, 0, 0, hold_quantity=3), c.LineState(2, 200, 2, 0, 0, hold_quantity=2)]
    effects = c.plan_effects(7, {1: 3, 2: 1}, lines)
    first, second = effects.lines
    assert (first.quantity_shipped, first.consume_hold, first.hold_quantity) == (3, True, None)
    assert (second.quantity_shipped, second.consume_hold, second.hold_quantity) == (1, False, 1)
    assert first.movement == (100, -3, "package:7:line:1")
    assert second.movement == (200, -1, "package:7:line:2")
    assert effects.order_status is OrderStatus.PARTIALLY_SHIPPED
    last = c.plan_effects(8, {2: 1}, [c.LineState(1, 100, 3, 3, 0), c.LineState(2, 200, 2, 1, 0, hold_quantity=1)])
    assert last.order_status is OrderStatus.SHIPPED and last.lines[0].consume_hold


def test_c3_an_unmapped_line_ships_without_a_movement_and_cancelled_units_do_not_block_shipped():
    effects = c.plan_effects(9, {1: 1}, [c.LineState(1, None, 2, 0, 1), c.LineState(2, 5, 1, 0, 1)])
    assert effects.lines[0].movement is None
    assert effects.order_status is OrderStatus.SHIPPED


@given(st.lists(st.tuples(st.integers(1, 5), st.integers(0, 5), st.integers(0, 5)), min_size=1, max_size=4),
       st.data())
def test_c3_effects_never_ship_more_than_is_open(spec, data):
    lines = [c.LineState(n + 1, n + 10, q, min(s, q), min(x, q - min(s, q)), hold_quantity=q)
             for n, (q, s, x) in enumerate(spec)]
    shipped = {ln.order_line_id: data.draw(st.integers(0, 8)) for ln in lines}
    effects = c.plan_effects(1, shipped, lines)
    by_id = {ln.order_line_id: ln for ln in lines}
    for effect in effects.lines:
        line = by_id[effect.order_line_id]
        assert line.quantity_shipped <= effect.quantity_shipped <= line.quantity - line.quantity_cancelled
        if effect.movement is not None:
            assert effect.movement[1] == -(effect.quantity_shipped - line.quantity_shipped) < 0


@pytest.mark.parametrize(("line", "quantity", "reason", "refused"), [
    (c.LineState(1, 1, 2, 0, 0), 2, "NoInventory", None),
    (None, 1, "NoInventory", "no such line"),
    (c.LineState(1, 1, 2, 0, 0), 2, "Bored", "CancelReason"),
    (c.LineState(1, 1, 2, 1, 0), 1, "NoInventory", "shipped"),
    (c.LineState(1, 1, 2, 0, 2), 2, "NoInventory", "nothing left"),
    (c.LineState(1, 1, 2, 0, 0), 1, "NoInventory", "open quantity (2)"),
])
def test_b9_cancel_refusal(line, quantity, reason, refused):
    why = c.cancel_refusal(line, quantity, reason)
    assert why is None if refused is None else refused in why


def test_b9_order_after_cancel():
    assert c.order_after_cancel([c.LineState(1, 1, 2, 0, 2)]) is OrderStatus.CANCELLED
    assert c.order_after_cancel([c.LineState(1, 1, 2, 2, 0), c.LineState(2, 1, 1, 0, 1)]) is OrderStatus.SHIPPED
    assert c.order_after_cancel([c.LineState(1, 1, 2, 0, 0), c.LineState(2, 1, 1, 0, 1)]) is None
