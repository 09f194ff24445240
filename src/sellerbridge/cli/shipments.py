"""``sellerbridge shipments add|import|list|show|retry`` (C1, C2, H1, I1).

``add`` posts one shipment as the REST API does (its ``--key`` is the idempotency key); ``import`` reads a
CSV (``--mapping``: JSON text or a file of it); ``reprocess`` posts a refused shipment again from its
error-log copy. Exit codes: 0 stored (or already stored); 1 refused (the
reasons on stderr, the error in the error log); 2 a key reused for another shipment, a bad option;
3 not found; 4 a file with refused lines (the valid ones are stored).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from ..domain.common.moments import to_datetime
from ..services import shipments as service
from . import context
from .context import console, err_console, fail, handles_errors, id_argument, print_json

app = typer.Typer(no_args_is_help=True, help="Shipments from the warehouse: add, import CSV, list, show, retry.")
CONNECTION = typer.Option(..., "--connection", "-c", help="the connection's id or name")
MAX_FILE_BYTES = 50 * 1024 * 1024  # a day of a large warehouse is a few MB


def _pairs(values: list[str], what: str) -> list[tuple[str, int]]:
    out = []
    for value in values:
        ref, sep, quantity = value.rpartition("=")
        if not sep or not ref.strip() or not quantity.strip().isdigit():
            raise typer.BadParameter(f"{what} {value!r}: write REF=QUANTITY, e.g. SB-001=2")
        out.append((ref.strip(), int(quantity)))
    return out


def _ship_date(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        moment = to_datetime(text)
    except (TypeError, ValueError):
        moment = None
    if moment is None:
        raise typer.BadParameter(f"{text!r} is not a date-time (ISO 8601 with a time zone, e.g. 2026-03-01T14:00Z)")
    return moment


@app.command("add")
@handles_errors
def add(connection: str = CONNECTION, order: str = typer.Option(..., "--order", help="Amazon's order id"),
        key: str = typer.Option(..., "--key", help="the idempotency key (the warehouse's shipment id)"),
        carrier: str | None = typer.Option(None, help="one package: its carrier (the warehouse's words)"),
        tracking: str | None = typer.Option(None, help="one package: its tracking number"),
        method: str | None = typer.Option(None, help="one package: the ship method"),
        item: list[str] = typer.Option([], "--item", help="ORDER_ITEM_ID=QUANTITY (repeatable)"),
        sku: list[str] = typer.Option([], "--sku", help="SKU=QUANTITY (repeatable)"),
        packages: Path | None = typer.Option(None, "--packages", exists=True, dir_okay=False,
                                             help="a JSON file: the packages as the REST body writes them"),
        ship_date: str | None = typer.Option(None, "--ship-date", help="ISO 8601; default now"),
        as_json: bool = typer.Option(False, "--json")) -> None:
    """C1: one shipment; several packages with --packages FILE, one with --carrier/--tracking/--item/--sku."""
    if packages is not None:
        try:
            listed: Any = json.loads(packages.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            fail(f"{packages}: not a JSON list of packages ({exc})", context.EXIT_CONFIG)
        if not isinstance(listed, list) or not all(isinstance(p, dict) for p in listed):
            fail(f"{packages}: not a JSON list of packages", context.EXIT_CONFIG)
    elif carrier and tracking and (item or sku):
        listed = [{"carrier": carrier, "tracking_number": tracking, "ship_method": method,
                   "items": [{"order_item_id": ref, "quantity": n} for ref, n in _pairs(item, "--item")]
                   + [{"sku": ref, "quantity": n} for ref, n in _pairs(sku, "--sku")]}]
    else:
        fail("give --packages FILE, or --carrier, --tracking and at least one --item or --sku", context.EXIT_CONFIG)
    moment = _ship_date(ship_date)
    with context.hub() as hub:
        try:
            draft = service.draft_of(amazon_order_id=order, idempotency_key=key, ship_date=moment or hub.now(),
                                     packages=listed)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            fail(f"a package is not usable: {exc!s} (carrier, tracking_number and items with quantity)",
                 context.EXIT_CONFIG)
        try:
            done = service.submit(hub, connection, draft, source="cli", created_by="cli")
        except service.ShipmentRefused as refused:
            for reason in refused.refusals:
                err_console.print(f"refused ({reason.code}): {reason.message}", highlight=False, markup=False)
            fail(f"shipment {key} refused; error {refused.error_id} in the error log")
    if as_json:
        print_json(done.shipment)
        return
    _print_shipment(done.shipment, "stored" if done.created else "already stored")


@app.command("import")
@handles_errors
def import_(file: Path = typer.Argument(..., exists=True, dir_okay=False, help="the CSV file"),
            connection: str = CONNECTION,
            mapping: str | None = typer.Option(None, help="JSON text, or a file of it: {\"columns\": {...}, "
                                               "\"date_order\": \"mdy\"}"),
            as_json: bool = typer.Option(False, "--json")) -> None:
    """C1: every valid shipment of the file stored; refused lines listed with their numbers (exit 4)."""
    if file.stat().st_size > MAX_FILE_BYTES:
        fail(f"{file} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB: split it", context.EXIT_CONFIG)
    if mapping is not None and not mapping.lstrip().startswith("{") and Path(mapping).is_file():
        mapping = Path(mapping).read_text(encoding="utf-8")
    with context.hub() as hub:
        out = service.import_csv(hub, connection, file.read_bytes(), file_name=file.name, mapping=mapping,
                                 source="csv", created_by="cli")
    context.file_answer(out, f"{out['accepted']} stored, {out['duplicates']} already stored, {out['held']} held",
                        as_json)


@app.command("reprocess")
@handles_errors
def reprocess(error_id: int = id_argument("error"), as_json: bool = typer.Option(False, "--json")) -> None:
    """H1: a refused shipment posted again from the error log (e.g. once its order is imported); exit 1 if
    it is refused again."""
    with context.hub() as hub:
        try:
            data = service.reprocess(hub, error_id)
        except service.ShipmentRefused as refused:
            for reason in refused.refusals:
                err_console.print(f"refused ({reason.code}): {reason.message}", highlight=False, markup=False)
            fail(f"error {error_id}: refused again")
    if as_json:
        print_json(data)
        return
    _print_shipment(data, "stored")


@app.command("list")
@handles_errors
def list_(connection: str | None = typer.Option(None, "--connection", "-c"),
          order: str | None = typer.Option(None, "--order"),
          status: str | None = typer.Option(None, help="shipments with a package in this status"),
          limit: int = typer.Option(50, min=1, max=500), as_json: bool = typer.Option(False, "--json")) -> None:
    with context.hub() as hub:
        page = service.list_shipments(hub, connection=connection, order=order, status=status, limit=limit)
    if as_json:
        print_json(page)
        return
    table = Table("id", "order", "key", "source", "ship date", "packages", "status",
                  title=f"{len(page['items'])} of {page['total']} shipments")
    for s in page["items"]:
        table.add_row(str(s["id"]), s["amazon_order_id"], s["idempotency_key"], s["source"], s["ship_date"][:16],
                      str(len(s["packages"])), s["status"])
    console.print(table)


@app.command("show")
@handles_errors
def show(shipment_id: int = id_argument("shipment"), as_json: bool = typer.Option(False, "--json")) -> None:
    with context.hub() as hub:
        data = service.show(hub, shipment_id)
    if as_json:
        print_json(data)
        return
    _print_shipment(data, data["status"])


@app.command("retry")
@handles_errors
def retry(package_id: int = id_argument("package"),
          tracking: str | None = typer.Option(None, help="the corrected tracking number"),
          carrier: str | None = typer.Option(None, help="the corrected carrier"),
          as_json: bool = typer.Option(False, "--json")) -> None:
    """A held or failed package back to queued (held again, with the reason, if still not valid)."""
    with context.hub() as hub:
        data = service.retry_package(hub, package_id, tracking_number=tracking, carrier=carrier)
    if as_json:
        print_json(data)
    else:
        console.print(f"package {package_id}: {data['status']}"
                      + (f" ({data['hold_reason']})" if data["hold_reason"] else ""), highlight=False)
    if data["status"] != "queued":
        raise typer.Exit(context.EXIT_PARTIAL)


def _print_shipment(data: dict[str, Any], said: str) -> None:
    console.print(f"shipment {data['id']} ({data['idempotency_key']}) for order {data['amazon_order_id']}: {said}",
                  highlight=False)
    table = Table("package", "carrier", "code", "tracking", "status", "items", "reason")
    for p in data["packages"]:
        table.add_row(str(p["id"]), p["carrier"], p["carrier_code"], p["tracking_number"], p["status"],
                      ", ".join(f"{i['sku'] or i['order_item_id']} x{i['quantity']}" for i in p["items"]),
                      p["hold_reason"] or "")
    console.print(table)
