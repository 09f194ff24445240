"""Available to sell, pure (D2, D3, D4, D6, D9): table tests per rule, and properties over any facts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sellerbridge.domain.stock.availability import (
    Buffer,
    BufferKind,
    Committed,
    HeldFor,
    Rule,
    StockFacts,
    StockPolicy,
    WarehouseStock,
    available_to_sell,
)


def fixed(n, source="connection"):
    return Buffer(BufferKind.FIXED, Decimal(n), source)


def percent(n, source="connection"):
    return Buffer(BufferKind.PERCENT, Decimal(n), source)


def wh(wid, on_hand, buffer=None):
    return WarehouseStock(wid, f"WH{wid}", on_hand, buffer)


def facts(*stock, holds=(), committed=(), **kw):
    return StockFacts(1, "SKU-1", tuple(stock), tuple(HeldFor(f"O-{i}", q) for i, q in enumerate(holds)),
                      tuple(Committed(f"C-{i}", q) for i, q in enumerate(committed)), **kw)


TABLE = [
    # (name, facts, policy, quantity)
    ("d2 on hand over warehouses minus holds", facts(wh(1, 10), wh(2, 5), holds=(3,)), StockPolicy(), 12),
    ("d2 committed elsewhere comes off", facts(wh(1, 10), committed=(4,)), StockPolicy(), 6),
    ("d2 never below zero", facts(wh(1, 2), holds=(5,)), StockPolicy(), 0),
    ("d2 a disabled warehouse does not count", facts(wh(1, 10), wh(2, 50)), StockPolicy(warehouse_ids=frozenset({1})),
     10),
    ("d2 negative on hand owes the others", facts(wh(1, 10), wh(2, -4)), StockPolicy(), 6),
    ("d3 warehouse buffer off its own on hand", facts(wh(1, 10, fixed(3, "warehouse WH1")), wh(2, 5)), StockPolicy(),
     12),
    ("d3 warehouse buffer never below zero", facts(wh(1, 2, fixed(5, "warehouse WH1")), wh(2, 5)), StockPolicy(), 5),
    ("d3 a disabled warehouse's buffer is moot", facts(wh(1, 10), wh(2, 5, fixed(5))),
     StockPolicy(warehouse_ids=frozenset({1})), 10),
    ("d3 connection default buffer", facts(wh(1, 10)), StockPolicy(default_buffer=fixed(2)), 8),
    ("d3 item buffer over connection default", facts(wh(1, 10), buffer=fixed(1, "item")),
     StockPolicy(default_buffer=fixed(5)), 9),
    ("d3 percent rounds up (12% of 9 is 2)", facts(wh(1, 9)), StockPolicy(default_buffer=percent(12)), 7),
    ("d3 percent of the base after holds", facts(wh(1, 20), holds=(10,)), StockPolicy(default_buffer=percent(10)), 9),
    ("d3 a 100% buffer sends nothing", facts(wh(1, 20)), StockPolicy(default_buffer=percent(100)), 0),
    ("d4 untracked is the configured quantity", facts(wh(1, 0), track_stock=False),
     StockPolicy(untracked_quantity=250), 250),
    ("d4 backorderable is the configured quantity", facts(wh(1, -5), holds=(3,), backorderable=True), StockPolicy(),
     1000),
    ("d4 the configured quantity ignores buffers", facts(wh(1, 3), track_stock=False),
     StockPolicy(default_buffer=fixed(10), untracked_quantity=7), 7),
]


@pytest.mark.parametrize(("name", "given_facts", "policy", "quantity"), TABLE, ids=[row[0] for row in TABLE])
def test_d2_d3_d4_available_to_sell(name, given_facts, policy, quantity) -> None:
    got = available_to_sell(given_facts, policy)
    assert got.quantity == quantity == got.why.result


@pytest.mark.parametrize(("item_days", "default", "expected"), [
    (3, 5, (3, "item")), (None, 5, (5, "connection")), (None, None, (None, None)), (0, 5, (0, "item"))])
def test_d6_handling_days_item_over_connection_default(item_days, default, expected) -> None:
    got = available_to_sell(facts(wh(1, 1), handling_days=item_days), StockPolicy(handling_days=default))
    assert (got.lead_time_days, got.why.handling_source) == expected


def test_d9_the_why_reads_as_its_arithmetic() -> None:
    got = available_to_sell(facts(wh(1, 10, fixed(2, "warehouse WH1")), wh(2, 4), holds=(3,), committed=(1,)),
                            StockPolicy(default_buffer=percent(10), warehouse_ids=frozenset({1})))
    assert got.quantity == 3  # (10 - 2) - 3 - 1 = 4; 10 % of 4 rounds up to 1
    lines = got.why.lines()
    assert "warehouse WH2: on hand 4 (not enabled for this connection)" in lines
    assert "base: 8 - 3 held - 1 committed = 4" in lines and lines[-1] == "available to sell: 3"


stocks = st.lists(st.tuples(st.integers(1, 6), st.integers(-50, 500),
                            st.one_of(st.none(), st.integers(0, 40), st.decimals(0, 100, places=2))),
                  max_size=6, unique_by=lambda t: t[0])
buffers = st.one_of(st.none(), st.integers(0, 200).map(fixed),
                    st.decimals(0, 100, places=2, allow_nan=False).map(percent))


def _build(stock, holds, committed, item_buffer, tracked, backorder):
    shelves = [wh(wid, n, None if b is None else (fixed(b, "wh") if isinstance(b, int) else percent(b, "wh")))
               for wid, n, b in stock]
    return facts(*shelves, holds=holds, committed=committed, buffer=item_buffer, track_stock=tracked,
                 backorderable=backorder)


@given(stocks, st.lists(st.integers(0, 100), max_size=5), st.lists(st.integers(0, 100), max_size=3), buffers,
       buffers, st.booleans(), st.booleans(), st.one_of(st.none(), st.frozensets(st.integers(1, 6))),
       st.integers(0, 5000))
def test_d2_ats_never_negative_never_above_the_true_availability_and_the_why_adds_up(
        stock, holds, committed, item_buffer, default_buffer, tracked, backorder, enabled, untracked) -> None:
    the_facts = _build(stock, holds, committed, item_buffer, tracked, backorder)
    policy = StockPolicy(default_buffer=default_buffer, warehouse_ids=enabled, untracked_quantity=untracked)
    got = available_to_sell(the_facts, policy)
    why = got.why
    assert got.quantity >= 0 and got.quantity == why.result
    if not tracked or backorder:
        assert got.quantity == untracked and why.rule in (Rule.UNTRACKED, Rule.BACKORDERABLE)
        return
    true_available = sum(n for wid, n, _ in stock if enabled is None or wid in enabled) - sum(holds) - sum(committed)
    assert got.quantity <= max(0, true_available)
    # the arithmetic the why shows adds up to the figure sent
    assert why.on_hand == sum(w.counted for w in why.warehouses)
    assert all(w.counted == (w.on_hand - w.kept if w.enabled else 0) for w in why.warehouses)
    assert why.held == sum(holds) and why.committed_total == sum(committed)
    assert why.base == why.on_hand - why.held - why.committed_total
    assert why.result == max(0, why.base - why.buffer_units)
