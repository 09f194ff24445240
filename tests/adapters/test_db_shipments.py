"""Shipments in the store (C1, C2, H1) on SQLite and PostgreSQL: a malformed CSV loses no valid row, the
same shipment posted twice is stored once, a key reused with another body is refused, a held package is
retried after a person's correction, and late orders are flagged once."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from sellerbridge.db.repositories import error_log, orders, ship_deadlines
from sellerbridge.db.repositories import shipments as repo
from sellerbridge.db.store import Store
from sellerbridge.db.stores.ship_deadlines import DbShipDeadlines
from sellerbridge.db.stores.shipment_intake import DbShipmentIntake, NotReprocessable, PackageNotRetryable
from sellerbridge.db.tables import orders as orders_table
from sellerbridge.db.tables import shipment_packages
from sellerbridge.domain.orders.model import OrderStatus
from sellerbridge.domain.shipments.model import ItemDraft, PackageDraft, ShipmentDraft
from tests.support.db_samples import T0, add_connection, draft

NOW = T0 + timedelta(hours=1)
A, B, C = "111-0000001-0000001", "111-0000002-0000002", "111-0000003-0000003"  # lines SB-001..3, 2 each


@pytest.fixture
def intake(db_store: Store):
    asked: list[int] = []
    with db_store.uow() as s:
        connection_id = add_connection(s, db_store.box).id
        for order_id, status in ((A, OrderStatus.UNSHIPPED), (B, OrderStatus.CANCELLED), (C, OrderStatus.UNSHIPPED)):
            orders.insert_order(s, db_store.box, connection_id=connection_id, draft=draft(order_id, status=status))
    store = DbShipmentIntake(db_store, connection_id, now=lambda: NOW, on_queued=lambda: asked.append(1))
    store.asked = asked  # type: ignore[attr-defined]
    return store


MALFORMED = (
    "\ufeffshipment_id;amazon_order_id;sku;quantity;carrier;ship_method;tracking_number;ship_date\r\n"  # 1
    f'S1;{A};SB-001;2;"DHL® Express";"Next day\r\nbefore noon";3318810025;2026-03-01\r\n'  # 2-3: stored
    f"S2;{A};SB-002;3;UPS;;1Z999AA10123456784;2026-03-01\r\n"  # 4: above the 2 ordered
    "S3;999-9999999-9999999;SB-001;1;UPS;;1Z12345E6605272234;2026-03-01\r\n"  # 5: unknown order
    f"S4;{B};SB-001;1;UPS;;1Z12345E6605272234;2026-03-01\r\n"  # 6: cancelled order
    f'S5;{C};SB-001;1;"Speedy 🚀 Couriers";;SPEEDY123456;2026-13-45\r\n'  # 7: bad date
    f'S6;{C};SB-002;1;"Speedy 🚀 Couriers";;SPEEDY123456;2026-03-01\r\n'  # 8: stored, with line 9
    f'S6;{C};SB-003;2;"Speedy 🚀 Couriers";;SPEEDY123456;2026-03-01\r\n'  # 9
    f"S7;{A};SB-003;1;UPS;;1Z999AA10123456785;2026-03-01T11:30:00Z\r\n"  # 10: stored, held (check digit)
).encode()


def stored(db_store: Store, connection_id: int) -> list[tuple]:
    with db_store.uow(read_only=True) as s:
        page, _ = repo.list_shipments(s, connection_id=connection_id)
    return sorted((sh.idempotency_key, sh.amazon_order_id, p.carrier_code, p.carrier_name, p.status,
                   tuple((i.sku, i.quantity) for i in p.items)) for sh in page for p in sh.packages)


EXPECTED = [
    ("S1", A, "DHL Express", None, "queued", (("SB-001", 2),)),
    ("S6", C, "Other", "Speedy 🚀 Couriers", "queued", (("SB-002", 1), ("SB-003", 2))),
    ("S7", A, "UPS", None, "held", (("SB-003", 1),)),
]


def test_c1_a_malformed_csv_gives_line_numbered_errors_and_loses_no_valid_row(db_store, intake):
    outcome = intake.import_file(MALFORMED, file_name="wms-0301.csv", source="csv")
    assert {e.line: e.code for e in outcome.errors} == {4: "over_quantity", 5: "unknown_order",
                                                        6: "order_cancelled", 7: "bad_date"}
    assert (outcome.accepted, outcome.duplicates, outcome.held, outcome.encoding) == (3, 0, 1, "utf-8-sig")
    assert stored(db_store, intake.connection_id) == EXPECTED
    assert intake.asked == [1]  # the confirmation flow asked once for the file
    with db_store.uow(read_only=True) as s:
        errors, _ = error_log.list_errors(s, connection_id=intake.connection_id, kind="shipment")
        row = error_log.find_error(s, intake.connection_id, "shipment", "wms-0301.csv:5")
        payload = error_log.get_error(s, row.id, box=db_store.box).payload
    assert sorted(e.key for e in errors) == [f"wms-0301.csv:{n}" for n in (4, 5, 6, 7)]
    assert row.code == "unknown_order" and "lines 5" in row.where
    assert payload["rows"][0]["amazon_order_id"] == "999-9999999-9999999"  # a person can see and re-post it

    again = intake.import_file(MALFORMED, file_name="wms-0301.csv", source="csv")
    assert (again.accepted, again.duplicates) == (0, 3) and len(again.errors) == 4
    assert stored(db_store, intake.connection_id) == EXPECTED and intake.asked == [1]


def shipment(key: str = "wms-42", quantity: int = 1, tracking: str = "1Z999AA10123456784") -> ShipmentDraft:
    return ShipmentDraft(A, key, NOW - timedelta(minutes=5),
                         (PackageDraft("UPS", tracking, (ItemDraft(quantity, sku="SB-001"),), "Ground"),))


def test_c2_the_same_shipment_posted_twice_is_stored_once_and_a_reused_key_conflicts(db_store, intake):
    first = intake.submit(shipment(), source="api", created_by="wms-key")
    replay = intake.submit(shipment(), source="api")
    other = intake.submit(shipment(quantity=2), source="api")
    assert (first.status, replay.status, other.status) == ("created", "replay", "conflict")
    assert first.shipment_id == replay.shipment_id == other.shipment_id
    with db_store.uow(read_only=True) as s:
        record = repo.get_shipment(s, first.shipment_id)
        _, total = repo.list_shipments(s, connection_id=intake.connection_id)
    assert total == 1 and record.created_by == "wms-key" and record.packages[0].items[0].quantity == 1
    # the CSV with the same shipment id and content is the same shipment
    csv = (f"shipment_id,amazon_order_id,sku,quantity,carrier,ship_method,tracking_number,ship_date\n"
           f"wms-42,{A},SB-001,1,UPS,Ground,1Z999AA10123456784,{(NOW - timedelta(minutes=5)).isoformat()}\n")
    outcome = intake.import_file(csv.encode(), file_name="again.csv", source="csv")
    assert (outcome.accepted, outcome.duplicates, outcome.shipment_ids) == (0, 1, (first.shipment_id,))


def test_c1_open_packages_count_against_what_is_left_to_ship(db_store, intake):
    assert intake.submit(shipment("a", 1), source="api").status == "created"
    late = intake.submit(shipment("b", 2, "1Z12345E6605272234"), source="api")
    assert late.status == "refused" and late.refusals[0].code == "over_quantity"
    with db_store.uow() as s:  # Amazon refused the first: its unit is free again
        s.execute(update(shipment_packages).values(status="failed"))
    assert intake.submit(shipment("b", 2, "1Z12345E6605272234"), source="api").status == "created"
    with db_store.uow(read_only=True) as s:  # the refusal of "b" was resolved by its success
        assert error_log.find_error(s, intake.connection_id, "shipment", "b").status == "resolved"


def test_c2_a_held_package_is_queued_after_its_number_is_corrected(db_store, intake):
    outcome = intake.submit(shipment(tracking="1Z999AA10123456785"), source="api")
    assert (outcome.status, outcome.held, intake.asked) == ("created", 1, [])
    with db_store.uow(read_only=True) as s:
        package = repo.get_shipment(s, outcome.shipment_id).packages[0]
    assert package.status == "held" and "check digit" in package.hold_reason
    still = intake.retry_package(package.id, tracking_number="1Z999AA10123456786")
    assert still.status == "held" and intake.asked == []
    fixed = intake.retry_package(package.id, tracking_number="1z999aa1 0123456784")
    assert (fixed.status, fixed.tracking_number, fixed.hold_reason, intake.asked) == (
        "queued", "1Z999AA10123456784", None, [1])
    with pytest.raises(PackageNotRetryable, match="queued"):
        intake.retry_package(package.id)
    with pytest.raises(LookupError):
        intake.retry_package(package.id + 1000)


def test_c2_late_orders_are_flagged_once_with_an_error_row_and_counted(db_store, intake):
    with db_store.uow() as s:
        ids = {row.amazon_order_id: row.id for row in s.execute(select(orders_table.c.id,
                                                                        orders_table.c.amazon_order_id))}
        for order_id, latest in ((A, NOW + timedelta(hours=3)), (B, NOW - timedelta(hours=1)),
                                 (C, NOW - timedelta(hours=2))):
            s.execute(update(orders_table).where(orders_table.c.id == ids[order_id])
                      .values(latest_ship_date=latest))
    assert intake.submit(replace(shipment(), amazon_order_id=C, packages=(
        PackageDraft("UPS", "1Z999AA10123456785", (ItemDraft(1, sku="SB-001"),)),)), source="api").held == 1
    deadlines = DbShipDeadlines(db_store)
    flagged = deadlines.flag(now=NOW, margin=timedelta(hours=12), limit=100)
    # B is cancelled; C has only a held package (a person must act): still nothing on its way
    assert sorted((f.amazon_order_id, f.state) for f in flagged) == [(A, "at_risk"), (C, "past_due")]
    assert deadlines.flag(now=NOW, margin=timedelta(hours=12), limit=100) == []
    with db_store.uow(read_only=True) as s:
        counts = ship_deadlines.late_counts(s, now=NOW, margin=timedelta(hours=12))
        errors, _ = error_log.list_errors(s, kind="late_shipment")
    assert counts == {("us-main", "at_risk"): 1, ("us-main", "past_due"): 1}
    assert sorted(e.key for e in errors) == [A, C]
    intake.submit(shipment("ship-a"), source="api")  # A ships: no longer at risk, its warning answered
    with db_store.uow(read_only=True) as s:
        assert ship_deadlines.late_counts(s, now=NOW, margin=timedelta(hours=12)) == {("us-main", "past_due"): 1}
        assert error_log.find_error(s, intake.connection_id, "late_shipment", A).status == "resolved"
        assert error_log.find_error(s, intake.connection_id, "late_shipment", C).status == "open"  # held only


def test_h1_a_refused_shipment_is_reprocessed_from_the_error_log_once_its_order_exists(db_store, intake):
    early = (f"shipment_id,amazon_order_id,sku,quantity,carrier,tracking_number,ship_date\n"
             f"E1,111-0000009-0000009,SB-001,1,UPS,1Z999AA10123456784,2026-03-01\n"
             f"E2,{A},SB-001,1,UPS,1Z999AA10123456784,not-a-date\n")
    outcome = intake.import_file(early.encode(), file_name="early.csv")
    assert {e.line: e.code for e in outcome.errors} == {2: "unknown_order", 3: "bad_date"}
    refused = intake.submit(replace(shipment("rest-early"), amazon_order_id="111-0000009-0000009"), source="api")
    assert refused.status == "refused"
    with db_store.uow() as s:  # the order arrives from Amazon
        orders.insert_order(s, db_store.box, connection_id=intake.connection_id, draft=draft("111-0000009-0000009"))
        csv_error = error_log.find_error(s, intake.connection_id, "shipment", "early.csv:2")
        rest_error = error_log.find_error(s, intake.connection_id, "shipment", "rest-early")
        bad_row = error_log.find_error(s, intake.connection_id, "shipment", "early.csv:3")
    with db_store.uow(read_only=True) as s:
        payloads = {e.key: error_log.get_error(s, e.id, box=db_store.box).payload
                    for e in (csv_error, rest_error, bad_row)}
    from_csv = intake.reprocess(csv_error.key, payloads[csv_error.key])
    from_rest = intake.reprocess(rest_error.key, payloads[rest_error.key])
    assert (from_csv.status, from_rest.status) == ("created", "created")  # one unit each of the line's 2
    with pytest.raises(NotReprocessable, match="correct the file"):
        intake.reprocess(bad_row.key, payloads[bad_row.key])
    with db_store.uow(read_only=True) as s:
        assert error_log.find_error(s, intake.connection_id, "shipment", "early.csv:2").status == "resolved"
        assert error_log.find_error(s, intake.connection_id, "shipment", "rest-early").status == "resolved"
    assert intake.reprocess(csv_error.key, payloads[csv_error.key]).status == "replay"


def test_c2_two_replicas_racing_store_a_shipment_once_and_never_ship_a_unit_twice(db_store, intake):
    import threading

    barrier = threading.Barrier(4)
    outcomes: list = []

    def post(draft: ShipmentDraft) -> None:
        barrier.wait()
        outcomes.append(intake.submit(draft, source="api"))

    same = [shipment("race", 2)] * 2  # the same posting twice
    rivals = [replace(shipment(key, 2, tracking), amazon_order_id=C)  # two shipments for C's SB-001 (2 units)
              for key, tracking in (("r1", "1Z999AA10123456784"), ("r2", "1Z12345E6605272234"))]
    threads = [threading.Thread(target=post, args=(d,)) for d in [*same, *rivals]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    by_key: dict[str, list[str]] = {}
    for outcome in outcomes:
        with db_store.uow(read_only=True) as s:
            key = repo.get_shipment(s, outcome.shipment_id).idempotency_key if outcome.shipment_id else "refused"
        by_key.setdefault(key, []).append(outcome.status)
    assert sorted(by_key.pop("race")) == ["created", "replay"]
    assert sorted(s for statuses in by_key.values() for s in statuses) == ["created", "refused"]
    with db_store.uow(read_only=True) as s:
        _, total = repo.list_shipments(s, connection_id=intake.connection_id)
    assert total == 2


def test_h1_a_long_file_name_and_a_shipment_of_many_rows_fit_the_error_log(db_store, intake):
    name = "w" * 190 + ".csv"
    rows = "".join(f"BIG,999-9999999-9999999,SB-{n:03d},1,UPS,1Z999AA10123456784,2026-03-01\n" for n in range(80))
    outcome = intake.import_file(("shipment_id,amazon_order_id,sku,quantity,carrier,tracking_number,ship_date\n"
                                  + rows).encode(), file_name=name)
    assert len(outcome.errors) == 80 and {e.code for e in outcome.errors} == {"unknown_order"}
    with db_store.uow(read_only=True) as s:
        (error,), _ = error_log.list_errors(s, connection_id=intake.connection_id, kind="shipment")
    assert len(error.key) <= 128 and error.key.endswith(":2") and len(error.where) <= 255
