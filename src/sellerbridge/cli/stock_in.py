"""``sellerbridge stock set|adjust|import|reprocess|ledger|commit|item|buffer|settings`` and
``sellerbridge warehouses add|list`` (issue 11: D2, D3, D4, D6, I5, H1): stock in, as REST does it
(``services/stock.py``).

Exit codes as every command (``cli/context.py``): 0 done; 2 a value the rules refuse; 3 an unknown SKU,
warehouse or connection; 4 a file with refused lines (the good ones are applied).
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from ..services import stock as service
from . import context
from .context import console, fail, handles_errors, id_argument, print_json
from .stock import app

warehouses_app = typer.Typer(no_args_is_help=True, help="Warehouses (distribution centres): add, list.")
buffer_app = typer.Typer(no_args_is_help=True, help="Buffers (D3): per item or per warehouse.")
app.add_typer(buffer_app, name="buffer")
MAX_FILE_BYTES = 50 * 1024 * 1024
JSON = typer.Option(False, "--json")
SIGNED = {"ignore_unknown_options": True}  # "-3" is a delta, not an option


def _int(text: str, what: str) -> int:
    value = text.strip()
    digits = value[1:] if value[:1] in "+-" else value
    if not digits.isascii() or not digits.isdigit() or len(digits) > 12:
        raise typer.BadParameter(f"{what} {text!r} is not a whole number (e.g. 5, +5 or -3)")
    return int(value)


def _change(out: dict, as_json: bool) -> None:
    if as_json:
        print_json(out)
        return
    moved = "nothing moved (this ref was applied before)" if out["replayed"] else f"moved {out['delta']:+d}"
    console.print(f"{out['sku']} in {out['warehouse']}: on hand {out['on_hand']}, {moved}", highlight=False)


@app.command("set")
@handles_errors
def set_count(sku: str, warehouse: str, on_hand: int = typer.Argument(..., min=0),
              ref: str | None = typer.Option(None, help="the count's id: the same ref again changes nothing"),
              as_json: bool = JSON) -> None:
    """I5: the warehouse counted ON_HAND units of SKU (absolute)."""
    with context.hub() as hub:
        _change(service.set_count(hub, sku, warehouse, on_hand, ref=ref), as_json)


@app.command("adjust", context_settings=SIGNED)
@handles_errors
def adjust(sku: str, warehouse: str, delta: str = typer.Argument(..., help="+N units in, -N out"),
           reason: str = typer.Option("adjustment", help="receipt or adjustment"),
           ref: str = typer.Option(..., help="the change's id: the same ref again moves nothing"),
           as_json: bool = JSON) -> None:
    """D2: a receipt or an adjustment of SKU in WAREHOUSE."""
    with context.hub() as hub:
        _change(service.adjust(hub, sku, warehouse, _int(delta, "delta"), reason=reason, ref=ref), as_json)


@app.command("import")
@handles_errors
def import_(file: Path = typer.Argument(..., exists=True, dir_okay=False, help="the CSV file"),
            connection: str | None = typer.Option(None, "--connection", "-c",
                                                  help="whose error log gets the refused lines (default: the first)"),
            as_json: bool = JSON) -> None:
    """I5: sku,warehouse,on_hand (counts) or sku,warehouse,delta,reason (deltas), optional ref; refused lines
    listed with their numbers (exit 4)."""
    if file.stat().st_size > MAX_FILE_BYTES:
        fail(f"{file} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB: split it", context.EXIT_CONFIG)
    with context.hub() as hub:
        out = service.import_csv(hub, file.read_bytes(), file_name=file.name, connection=connection, source="cli")
    _import_answer(out, as_json)


def _import_answer(out: dict, as_json: bool) -> None:
    context.file_answer(out, f"{out['accepted']} applied, {out['duplicates']} applied before", as_json)


@app.command("reprocess")
@handles_errors
def reprocess(error_id: int = id_argument("error"), as_json: bool = JSON) -> None:
    """H1: a refused stock line applied again from its error-log copy (e.g. once its SKU exists)."""
    with context.hub() as hub:
        out = service.reprocess(hub, error_id)
    _import_answer(out, as_json)


@app.command("ledger")
@handles_errors
def ledger(sku: str, limit: int = typer.Option(50, min=1, max=service.LEDGER_MAX), as_json: bool = JSON) -> None:
    """Receipts, adjustments, counts, holds, shipments and cancellations of SKU, newest first."""
    with context.hub() as hub:
        out = service.ledger(hub, sku, limit=limit)
    if as_json:
        print_json(out)
        return
    on_hand = ", ".join(f"{code} {n}" for code, n in sorted(out["on_hand"].items())) or "none"
    committed = ", ".join(f"{s} {n}" for s, n in out["commitments"].items()) or "none"
    console.print(f"{out['sku']}: on hand {on_hand}; committed elsewhere {committed}", highlight=False)
    table = Table("at", "what", "change", "warehouse", "order", "ref")
    for e in out["entries"]:
        table.add_row(e["at"], e["kind"], f"{e['delta']:+d}", e["warehouse"] or "-", e["order"] or "-", e["ref"])
    console.print(table)


@app.command("commit")
@handles_errors
def commit(sku: str, source: str, quantity: int = typer.Argument(..., min=0), as_json: bool = JSON) -> None:
    """D2: QUANTITY units of SKU committed on channel SOURCE (absolute; 0 removes it)."""
    with context.hub() as hub:
        out = service.set_commitment(hub, sku, source, quantity)
    if as_json:
        print_json(out)
    else:
        console.print(f"{out['sku']}: committed to {out['source']} {out['quantity']}"
                      + ("" if out["changed"] else " (unchanged)"), highlight=False)


@app.command("item")
@handles_errors
def item(sku: str, track: bool | None = typer.Option(None, "--track/--no-track", help="D4: stock is counted"),
         backorderable: bool | None = typer.Option(None, "--backorderable/--not-backorderable", help="D4"),
         handling_days: int | None = typer.Option(None, min=0, max=service.MAX_HANDLING_DAYS, help="D6"),
         default_handling: bool = typer.Option(False, "--default-handling", help="D6: the connection's again"),
         as_json: bool = JSON) -> None:
    """D4, D6: the item's stock flags and handling days."""
    days = None if default_handling else (handling_days if handling_days is not None else "keep")
    with context.hub() as hub:
        out = service.set_item_stock(hub, sku, track_stock=track, backorderable=backorderable, handling_days=days)
    print_json(out) if as_json else console.print(out, highlight=False)


def _buffer(spec: str) -> tuple[str | None, str | None]:
    """``fixed:3``, ``percent:12.5`` or ``none``."""
    if spec.strip().casefold() == "none":
        return None, None
    kind, sep, value = spec.partition(":")
    if not sep:
        raise typer.BadParameter(f"{spec!r}: write fixed:N, percent:N or none")
    return kind.strip().casefold(), value.strip()


@buffer_app.command("item")
@handles_errors
def buffer_item(sku: str, spec: str = typer.Argument(..., help="fixed:N, percent:N or none"),
                as_json: bool = JSON) -> None:
    """D3: the item's own buffer (none: the connection's default)."""
    with context.hub() as hub:
        out = service.set_item_buffer(hub, sku, *_buffer(spec))
    print_json(out) if as_json else console.print(f"{out['sku']}: buffer {out['buffer'] or 'none'}", highlight=False)


@buffer_app.command("warehouse")
@handles_errors
def buffer_warehouse(code: str, spec: str = typer.Argument(..., help="fixed:N, percent:N or none"),
                     as_json: bool = JSON) -> None:
    """D3: the warehouse's buffer, kept off its on hand before it counts."""
    with context.hub() as hub:
        out = service.set_warehouse_buffer(hub, code, *_buffer(spec))
    print_json(out) if as_json else console.print(f"{out['code']}: buffer {out['buffer'] or 'none'}",
                                                  highlight=False)


@app.command("settings")
@handles_errors
def settings(connection: str,
             buffer: str | None = typer.Option(None, help="D3 default: fixed:N, percent:N or none"),
             untracked_quantity: int | None = typer.Option(None, min=0, max=service.MAX_UNTRACKED, help="D4"),
             handling_days: int | None = typer.Option(None, min=0, max=service.MAX_HANDLING_DAYS, help="D6"),
             default_handling: bool = typer.Option(False, "--no-handling-days", help="D6: not sent"),
             warehouses: str | None = typer.Option(None, help="D2: codes, comma-separated, or all"),
             full_refresh_minutes: int | None = typer.Option(None, min=0, max=service.MAX_REFRESH_MINUTES),
             patch_max: int | None = typer.Option(None, min=0, max=service.MAX_PATCH),
             price_guard_percent: str | None = typer.Option(None, help="E3: a percent, or none"),
             as_json: bool = JSON) -> None:
    """The connection's stock settings: shown, or changed with the options given."""
    changes: dict = {}
    if buffer is not None:
        kind, value = _buffer(buffer)
        changes["buffer"] = None if kind is None else {"kind": kind, "value": value}
    for name, value in (("untracked_quantity", untracked_quantity), ("handling_days", handling_days),
                        ("full_refresh_minutes", full_refresh_minutes), ("patch_max", patch_max)):
        if value is not None:
            changes[name] = value
    if default_handling:
        changes["handling_days"] = None
    if warehouses is not None:
        codes = [c.strip() for c in warehouses.split(",") if c.strip()]
        changes["warehouses"] = None if warehouses.strip().casefold() == "all" else codes
    if price_guard_percent is not None:
        changes["price_guard_percent"] = None if price_guard_percent.strip().casefold() == "none" \
            else price_guard_percent.strip()
    with context.hub() as hub:
        out = service.set_settings(hub, connection, changes) if changes else service.get_settings(hub, connection)
    if as_json:
        print_json(out)
    else:
        context.print_fields(out)


@warehouses_app.command("add")
@handles_errors
def warehouse_add(code: str, name: str | None = typer.Option(None), as_json: bool = JSON) -> None:
    with context.hub() as hub:
        out = service.add_warehouse(hub, code, name)
    print_json(out) if as_json else console.print(f"warehouse {out['code']} added", highlight=False)


@warehouses_app.command("list")
@handles_errors
def warehouse_list(as_json: bool = JSON) -> None:
    with context.hub() as hub:
        out = service.list_warehouses(hub)
    if as_json:
        print_json(out)
        return
    table = Table("code", "name", "buffer")
    for w in out:
        buffer = w["buffer"]
        table.add_row(w["code"], w["name"], "-" if buffer is None else f"{buffer['kind']} {buffer['value']}")
    console.print(table)
