"""Stock files through the warehouse's inbox (I5, H1): the ``shipment_inbox`` flow hands a stock file to the
real stock import (the hub's ``RunPorts.stock_import``), moves it like a shipment file, and a file dropped
again moves no stock. SQLite and PostgreSQL; the inbox is the real local directory."""

from __future__ import annotations

from sqlalchemy import select

from sellerbridge.db.repositories import catalog
from sellerbridge.domain.common.results import RunStatus
from sellerbridge.sync import shipment_inbox
from tests.channels.messages import local_receiver
from tests.flows.test_shipment_inbox import GOOD, Context, ListedReceivers, RowIntake


def _sku_and_warehouse(world) -> str:
    with world.hub.store.uow() as s:
        sku = s.execute(select(catalog.items.c.sku).order_by(catalog.items.c.id).limit(1)).scalar_one()
        catalog.add_warehouse(s, code="WH1", name="Main")
    return sku


def _on_hand(world, sku: str) -> dict[int, int]:
    with world.hub.store.uow(read_only=True) as s:
        return catalog.on_hand_by_warehouse(s, catalog.get_item_by_sku(s, sku).id)


def test_i5_stock_files_of_the_inbox_go_to_the_stock_import_and_are_moved(world, tmp_path) -> None:
    sku = _sku_and_warehouse(world)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a-shipments.csv").write_bytes(GOOD)
    (inbox / "stock-0900.csv").write_bytes(f"sku,warehouse,on_hand\n{sku},WH1,9\n".encode())
    (inbox / "z-counts.csv").write_bytes(f"sku,warehouse,delta,reason\n{sku},WH1,+1,receipt\nNOPE,WH1,1,receipt\n"
                                         .encode())
    intake = RowIntake()
    ctx = Context(world.hub, ListedReceivers([local_receiver(tmp_path / "drop", inbox=str(inbox))]), intake)

    report = shipment_inbox.run(ctx, world.connection_id)
    assert report is not None and report.status is RunStatus.PARTIAL
    assert intake.calls == [("a-shipments.csv", "inbox")]  # the stock files never reach the shipment intake
    assert report.counts == {"files": 3, "accepted": 4, "refused": 1, "held": 0, "duplicates": 0}
    assert _on_hand(world, sku) == {1: 10}
    assert sorted(p.name for p in (inbox / "processed").iterdir()) == ["a-shipments.csv", "stock-0900.csv"]
    assert (inbox / "failed" / "z-counts.csv.errors.txt").read_text() == \
        "line 3: sku: SKU NOPE is not an item of the hub\n"

    (inbox / "stock-0900.csv").write_bytes((inbox / "processed" / "stock-0900.csv").read_bytes())  # dropped again
    again = shipment_inbox.run(ctx, world.connection_id)
    assert again is not None and again.status is RunStatus.DONE
    assert (again.counts["accepted"], again.counts["duplicates"]) == (0, 1)
    assert _on_hand(world, sku) == {1: 10}  # the same file moves no stock twice
