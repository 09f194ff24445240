"""The stock push under interleaved stock changes, pushes, Amazon delays and faults (D2, D5, D8, G2, H1).

A hypothesis state machine drives a real hub (SQLite and PostgreSQL) against the real sandbox: orders held,
cancelled and shipped, receipts, adjustments and counts through the stock ledger, item buffers, pushes (a
``patch_max`` of 1 so several dirty SKUs go by feed), the clock advanced, and Amazon failing (500 on
``patchListingsItem``, a feed stuck IN_QUEUE). Its own model of the stock is the oracle, never the hub's
function. Invariants:

- every quantity the hub sends (read from its patch and feed bodies as they are built) is at most the
  oracle's available-to-sell at that moment (D2: never tell Amazon more than there is);
- once quiet (nothing dirty, nothing in flight, Amazon's delays passed) Amazon shows the oracle's
  available-to-sell for every SKU.

Each example is a new sandbox seller with its own connection in the one hub of the test.
"""

from __future__ import annotations

from datetime import timedelta
from itertools import count

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule, run_state_machine_as_test
from sqlalchemy import insert

from sellerbridge.db.repositories import catalog, connections, holds, stock_config, stock_ledger
from sellerbridge.db.tables import order_lines, orders
from tests.support.stock_push import Sent, amazon_quantity, push

pytestmark = pytest.mark.xdist_group("stock_push")

WAREHOUSES = ("WH1", "WH2")
EXAMPLES = {"sqlite": (40, 25), "pg": (15, 20)}  # examples x steps per database: bounded, it runs in `make test`
QUIET_ROUNDS = 12  # pushes (400 s apart) to reach quiet: the watchdog needs 15 min, the feed window 5


def test_d2_sent_never_exceeds_available_and_amazon_ends_equal(make_world, monkeypatch, request):
    world = make_world(catalog_size=2)
    backend = request.node.callspec.params["db_url"]
    seeds = count(500)
    sent = Sent().install(monkeypatch)

    class StockPush(RuleBasedStateMachine):
        @initialize()
        def seller(self) -> None:
            seed = next(seeds)
            creds = world.sandbox.create_seller(marketplaces=["US"], catalog_size=6, seed=seed)
            self.marketplace = creds.marketplace_ids[0]
            self.seller_id = creds.seller_id
            listings = world.sandbox.backend.sellers[creds.seller_id].listings.values()
            self.skus = sorted(x.sku for x in listings if x.fulfillment_channel == "DEFAULT")[:4]
            now = world.hub.now()
            with world.hub.store.uow() as session:
                record = connections.add_connection(
                    session, world.hub.store.box, name=f"stateful-{seed}", seller_id=creds.seller_id,
                    marketplace_id=self.marketplace, region="na", client_id=creds.client_id,
                    client_secret=creds.client_secret, refresh_token=creds.refresh_token,
                    api_base_url=world.base_url, lwa_token_url=f"{world.base_url}/auth/o2/token",
                    authorized_at=now, authorization_expires_at=now + timedelta(days=365), settings={}, now=now)
                self.connection_id = record.id
                self.items = {}
                for sku in self.skus:
                    item = catalog.add_item(session, sku=f"INT-{sku}", description=sku)
                    catalog.set_listing(session, connection_id=record.id, amazon_sku=sku, item_id=item.id)
                    self.items[sku] = item.id
                self.wh = {code: (catalog.get_warehouse_by_code(session, code)
                                  or catalog.add_warehouse(session, code=code, name=code, now=now)).id
                           for code in WAREHOUSES}
                stock_config.set_settings(session, record.id, now=now, patch_max=1)
            self.on_hand = {(sku, code): 0 for sku in self.skus for code in WAREHOUSES}
            self.buffer = dict.fromkeys(self.skus, 0)
            self.held: dict[int, tuple[str, int, int]] = {}  # order id -> (sku, line id, quantity)
            self.orders = count(1)
            self.refs = count(1)
            sent.check = self.check_sent

        def ref(self, kind: str) -> str:
            """A movement's reference: unique in the hub (the ledger is idempotent by reference)."""
            return f"{self.seller_id}:{kind}{next(self.refs)}"

        # --- the oracle -------------------------------------------------------------------------

        def available(self, sku: str) -> int:
            base = (sum(self.on_hand[(sku, code)] for code in WAREHOUSES)
                    - sum(q for s, _, q in self.held.values() if s == sku))
            return max(0, base - self.buffer[sku])

        def check_sent(self, sku: str, quantity: int, path: str) -> None:
            if sku in self.items:
                assert quantity <= self.available(sku), (sku, quantity, path, self.available(sku))

        # --- stock in -----------------------------------------------------------------------------

        @rule(n=st.integers(0, 3), code=st.sampled_from(WAREHOUSES), qty=st.integers(1, 20))
        def receive(self, n: int, code: str, qty: int) -> None:
            sku = self.skus[n % len(self.skus)]
            with world.hub.store.uow() as session:
                stock_ledger.record_delta(session, item_id=self.items[sku], warehouse_id=self.wh[code], delta=qty,
                                          reason="receipt", ref=self.ref("r"), now=world.hub.now())
            self.on_hand[(sku, code)] += qty

        @rule(n=st.integers(0, 3), code=st.sampled_from(WAREHOUSES), delta=st.integers(-15, 15))
        def adjust(self, n: int, code: str, delta: int) -> None:
            sku = self.skus[n % len(self.skus)]
            with world.hub.store.uow() as session:
                stock_ledger.record_delta(session, item_id=self.items[sku], warehouse_id=self.wh[code], delta=delta,
                                          reason="adjustment", ref=self.ref("a"), now=world.hub.now())
            self.on_hand[(sku, code)] += delta

        @rule(n=st.integers(0, 3), code=st.sampled_from(WAREHOUSES), on_hand=st.integers(0, 30))
        def count_stock(self, n: int, code: str, on_hand: int) -> None:
            sku = self.skus[n % len(self.skus)]
            with world.hub.store.uow() as session:
                stock_ledger.record_count(session, item_id=self.items[sku], warehouse_id=self.wh[code],
                                          on_hand=on_hand, ref=self.ref("c"), now=world.hub.now())
            self.on_hand[(sku, code)] = on_hand

        @rule(n=st.integers(0, 3), units=st.integers(0, 4))
        def set_buffer(self, n: int, units: int) -> None:
            sku = self.skus[n % len(self.skus)]
            with world.hub.store.uow() as session:
                stock_config.set_item_stock_fields(session, self.items[sku], now=world.hub.now(),
                                                   buffer_kind="fixed" if units else None,
                                                   buffer_value=units if units else None)
            self.buffer[sku] = units

        # --- orders -------------------------------------------------------------------------------

        @rule(n=st.integers(0, 3), qty=st.integers(1, 4))
        def order(self, n: int, qty: int) -> None:
            sku = self.skus[n % len(self.skus)]
            number = next(self.orders)
            now = world.hub.now()
            with world.hub.store.uow() as session:
                order_id = session.execute(insert(orders).values(
                    connection_id=self.connection_id, amazon_order_id=f"113-{self.connection_id:07d}-{number:07d}",
                    status="Unshipped", marketplace_id=self.marketplace, fulfillment="MFN", purchase_date=now,
                    amazon_last_updated=now, created_at=now, updated_at=now).returning(orders.c.id)).scalar_one()
                line_id = session.execute(insert(order_lines).values(
                    order_id=order_id, order_item_id=f"OI{number:08d}", sku=sku, item_id=self.items[sku],
                    quantity=qty).returning(order_lines.c.id)).scalar_one()
                holds.place_hold(session, order_line_id=line_id, item_id=self.items[sku], quantity=qty, now=now)
            self.held[order_id] = (sku, line_id, qty)

        @precondition(lambda self: self.held)
        @rule(pick=st.integers(0, 50))
        def cancel(self, pick: int) -> None:
            order_id = sorted(self.held)[pick % len(self.held)]
            with world.hub.store.uow() as session:
                holds.release_holds_for_order(session, order_id, now=world.hub.now())
            del self.held[order_id]

        @precondition(lambda self: self.held)
        @rule(pick=st.integers(0, 50))
        def ship(self, pick: int) -> None:
            order_id = sorted(self.held)[pick % len(self.held)]
            sku, line_id, qty = self.held[order_id]
            with world.hub.store.uow() as session:  # the hold becomes a stock decrement, one transaction (C3)
                holds.consume_hold(session, line_id, now=world.hub.now())
                stock_ledger.record_delta(session, item_id=self.items[sku], warehouse_id=self.wh["WH1"], delta=-qty,
                                          reason="adjustment", ref=self.ref("ship"), now=world.hub.now())
            del self.held[order_id]
            self.on_hand[(sku, "WH1")] -= qty

        # --- the push and Amazon ------------------------------------------------------------------

        @rule()
        def push_now(self) -> None:
            push(world, self.connection_id)

        @rule(seconds=st.sampled_from([5, 60, 200, 400, 1000]))
        def advance(self, seconds: int) -> None:
            world.advance(seconds)

        @rule(seconds=st.sampled_from([10, 130, 310, 960]))
        def later_push(self, seconds: int) -> None:
            """Amazon's time passes (a feed processed, a stuck one past the watchdog), then the run."""
            world.advance(seconds)
            push(world, self.connection_id)

        @rule(times=st.integers(1, 2))
        def patch_fails(self, times: int) -> None:
            world.sandbox.fault(operation="patchListingsItem", kind="status", status=500, count=times,
                                seller_id=self.seller_id)

        @rule()
        def feed_stuck(self) -> None:
            world.sandbox.fault(operation="createFeed", kind="feed_stuck", count=1, seller_id=self.seller_id)

        # --- quiet: Amazon shows the oracle's figures ---------------------------------------------

        def teardown(self) -> None:
            if not hasattr(self, "skus"):
                return
            sent.check = None
            world.sandbox.backend.faults._faults.clear()  # Amazon recovers
            for _ in range(QUIET_ROUNDS):
                world.advance(400)
                push(world, self.connection_id)
                pending = world.rows("SELECT count(*) AS n FROM quantity_pushes q JOIN connections c "
                                     "ON c.seller_id = q.seller_id WHERE c.id = :c AND (q.in_flight IS NOT NULL "
                                     "OR q.version > q.sent_version)", c=self.connection_id)[0].n
                if not pending:
                    break
            world.advance(10)
            shown = {sku: amazon_quantity(world, sku, self.marketplace, seller_id=self.seller_id) for sku in self.skus}
            assert shown == {sku: self.available(sku) for sku in self.skus}

    examples, steps = EXAMPLES["pg" if backend == "pg" else "sqlite"]
    run_state_machine_as_test(StockPush, settings=settings(
        max_examples=examples, stateful_step_count=steps, deadline=None, derandomize=True,
        suppress_health_check=list(HealthCheck)))
    assert {path for _, _, path in sent.records} == {"patch", "feed"}  # both paths were exercised
