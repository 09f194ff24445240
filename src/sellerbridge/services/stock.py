"""Stock in, every door (issue 11: D2, D3, D4, D6, I5, H1): one use case for REST, the CLI and the inbox.

- counts (absolute, per warehouse) and deltas (receipts, adjustments with a reason and a ref), through the
  ledger (``db/repositories/stock_ledger.py``): idempotent by ref, each marking the item dirty (D5);
- a stock CSV (``domain/stock/csv_import.py``): the good lines applied, each bad one with its line in the
  error log (``db/stores/stock_import.py``), reprocessable;
- commitments elsewhere (absolute per source), the ledger of an item, buffers per item and warehouse, the
  connection's stock settings.

Errors as the other services: ``LookupError`` (404) for an unknown SKU, warehouse or connection,
``ConfigError`` (400) for a value the rules refuse. Numbers are bounded here too (the CLI has no pydantic).
"""

from __future__ import annotations

import secrets
from decimal import Decimal, InvalidOperation
from typing import Any

from ..bootstrap import Hub
from ..db.repositories import catalog, stock_config, stock_ledger
from ..db.stores.stock_import import ERROR_KIND, DbStockImport, NotReprocessable
from ..domain.common import inputs
from ..domain.common.errors import ConfigError
from ..domain.stock.csv_import import DELTA_REASONS, MAX_REF, MAX_UNITS
from . import connections as connection_service
from . import errors as error_service
from .shipments import import_answer

BUFFER_KINDS = ("fixed", "percent")
MAX_BUFFER_UNITS = Decimal(MAX_UNITS)
MAX_HANDLING_DAYS = 365
MAX_UNTRACKED = 1_000_000
MAX_REFRESH_MINUTES = 7 * 24 * 60
MAX_PATCH = 10_000
MAX_SOURCE = 64
LEDGER_MAX = 1000


def _text(value: str, what: str, *, max_length: int) -> str:
    try:
        return inputs.check_text(value, what, max_length=max_length)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def _units(value: int, what: str, *, negative: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{what} must be a whole number")
    if abs(value) > MAX_UNITS:
        raise ConfigError(f"{what} {value} is beyond {MAX_UNITS} units")
    if value < 0 and not negative:
        raise ConfigError(f"{what} cannot be negative")
    return value


def _ref(ref: str | None, prefix: str) -> str:
    if ref is None or not ref.strip():
        return f"{prefix}:{secrets.token_hex(8)}"  # a request without a ref is its own change
    return _text(ref.strip(), "the ref", max_length=MAX_REF)


def _item(session, sku: str):
    item = catalog.get_item_by_sku(session, _text(sku, "the SKU", max_length=64))
    if item is None:
        raise LookupError(f"no item with SKU {sku!r}")
    return item


def _warehouse(session, code: str):
    found = catalog.get_warehouse_by_code(session, _text(code, "the warehouse code", max_length=32))
    if found is None:
        raise LookupError(f"no warehouse {code!r}")
    return found


def set_count(hub: Hub, sku: str, warehouse: str, on_hand: int, *, ref: str | None = None) -> dict[str, Any]:
    """The warehouse's absolute count of the SKU (I5); the same ref again changes nothing."""
    _units(on_hand, "on_hand")
    with hub.store.uow() as session:
        item, wh = _item(session, sku), _warehouse(session, warehouse)
        delta = stock_ledger.apply_count(session, item_id=item.id, warehouse_id=wh.id, on_hand=on_hand,
                                         ref=_ref(ref, "count"), now=hub.now())
        now_on_hand = catalog.on_hand_by_warehouse(session, item.id).get(wh.id, 0)
    return {"sku": item.sku, "warehouse": wh.code, "on_hand": now_on_hand, "delta": delta or 0,
            "replayed": delta is None}


def adjust(hub: Hub, sku: str, warehouse: str, delta: int, *, reason: str, ref: str | None) -> dict[str, Any]:
    """A receipt or an adjustment (D2: an adjustment may take on hand below 0); idempotent by ref."""
    _units(delta, "delta", negative=True)
    if reason not in DELTA_REASONS:
        raise ConfigError(f"reason must be {' or '.join(DELTA_REASONS)}")
    if reason == "receipt" and delta < 0:
        raise ConfigError("a receipt adds units: take units out with reason adjustment")
    with hub.store.uow() as session:
        item, wh = _item(session, sku), _warehouse(session, warehouse)
        applied = stock_ledger.apply_delta(session, item_id=item.id, warehouse_id=wh.id, delta=delta, reason=reason,
                                           ref=_ref(ref, reason), now=hub.now())
        on_hand = catalog.on_hand_by_warehouse(session, item.id).get(wh.id, 0)
    return {"sku": item.sku, "warehouse": wh.code, "on_hand": on_hand, "delta": applied or 0,
            "replayed": applied is None}


def _error_connection(hub: Hub, connection: int | str | None) -> int:
    """The connection a file's refused lines are filed under: the one named, else the hub's first."""
    if connection is not None:
        return connection_service.get_connection(hub, connection).id
    listed = connection_service.list_connections(hub)
    if not listed:
        raise ConfigError("the hub has no connection yet to file the file's errors under: add one first")
    return min(c.id for c in listed)


def import_csv(hub: Hub, content: bytes, *, file_name: str, connection: int | str | None = None,
               source: str = "csv") -> dict[str, Any]:
    """A stock CSV (counts or deltas): every good line applied, every bad one with its number and reason."""
    name = _text(file_name.strip() or "upload.csv", "the file name", max_length=200)
    store = DbStockImport(hub.store, _error_connection(hub, connection), hub.now)
    return import_answer(store.import_file(content, file_name=name, source=source))


def reprocess(hub: Hub, error_id: int) -> dict[str, Any]:
    """H1: a refused stock line applied again from its error-log copy (its SKU or warehouse exists now)."""
    record = error_service.reprocessable(hub, error_id, ERROR_KIND, "a refused stock line")
    try:
        outcome = DbStockImport(hub.store, record.connection_id, hub.now).reprocess(record.key, record.payload)
    except NotReprocessable as exc:
        raise ConfigError(f"error {error_id}: {exc}") from None
    return import_answer(outcome)


def set_commitment(hub: Hub, sku: str, source: str, quantity: int) -> dict[str, Any]:
    """Units committed on another channel (D2), absolute per source; 0 removes the commitment."""
    _units(quantity, "quantity")
    source = _text(source.strip(), "the source", max_length=MAX_SOURCE)
    if not source:
        raise ConfigError("the source is empty")
    with hub.store.uow() as session:
        item = _item(session, sku)
        changed = stock_ledger.set_commitment(session, item_id=item.id, source=source, quantity=quantity,
                                              now=hub.now())
        every = stock_ledger.commitments(session, item.id)
    return {"sku": item.sku, "source": source, "quantity": quantity, "changed": changed, "commitments": every}


def ledger(hub: Hub, sku: str, *, limit: int = 100) -> dict[str, Any]:
    """The item's movements and hold events, newest first, with its on hand per warehouse and commitments."""
    if not 1 <= limit <= LEDGER_MAX:
        raise ConfigError(f"limit must be 1 to {LEDGER_MAX}")
    with hub.store.uow(read_only=True) as session:
        item = _item(session, sku)
        entries = stock_ledger.ledger(session, item.id, limit=limit)
        codes = {w.id: w.code for w in catalog.list_warehouses(session)}
        on_hand = {codes.get(wid, str(wid)): n for wid, n in catalog.on_hand_by_warehouse(session, item.id).items()}
        committed = stock_ledger.commitments(session, item.id)
    return {"sku": item.sku, "on_hand": on_hand, "commitments": committed,
            "entries": [{"at": e.at.isoformat(), "kind": e.kind, "delta": e.delta, "warehouse": e.warehouse,
                         "ref": e.ref, "order": e.order} for e in entries]}


def buffer_of(kind: str | None, value: Decimal | int | str | None) -> tuple[str | None, Decimal | None]:
    """A buffer (D3) as stored: (None, None) clears it; a percent is 0-100, fixed units 0-MAX_UNITS."""
    if kind is None:
        if value is not None:
            raise ConfigError("a buffer value needs its kind (fixed or percent)")
        return None, None
    if kind not in BUFFER_KINDS:
        raise ConfigError("the buffer kind must be fixed or percent")
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ConfigError(f"the buffer value {value!r} is not a number") from None
    if not number.is_finite() or number < 0 or number > (100 if kind == "percent" else MAX_BUFFER_UNITS):
        raise ConfigError("a percent buffer is 0 to 100, a fixed one 0 to 100000000 units")
    if number != number.quantize(Decimal("0.01")):
        raise ConfigError("a buffer has at most two decimals")
    return kind, number


def set_item_buffer(hub: Hub, sku: str, kind: str | None, value: Any) -> dict[str, Any]:
    """The item's own buffer (D3; none: the connection's default applies)."""
    kind, number = buffer_of(kind, value)
    with hub.store.uow() as session:
        item = _item(session, sku)
        changed = stock_config.set_item_stock_fields(session, item.id, buffer_kind=kind, buffer_value=number,
                                                     now=hub.now())
    return {"sku": item.sku, "buffer": _buffer_answer(kind, number), "changed": changed}


def set_item_stock(hub: Hub, sku: str, *, track_stock: bool | None = None, backorderable: bool | None = None,
                   handling_days: int | str | None = "keep") -> dict[str, Any]:
    """The item's stock flags (D4) and handling time (D6; None: the connection's default)."""
    changes: dict[str, Any] = {}
    if track_stock is not None:
        changes["track_stock"] = bool(track_stock)
    if backorderable is not None:
        changes["backorderable"] = bool(backorderable)
    if handling_days != "keep":
        if handling_days is not None and (isinstance(handling_days, bool) or not isinstance(handling_days, int)
                                          or not 0 <= handling_days <= MAX_HANDLING_DAYS):
            raise ConfigError(f"handling_days must be 0 to {MAX_HANDLING_DAYS}")
        changes["handling_days"] = handling_days
    with hub.store.uow() as session:
        item = _item(session, sku)
        changed = stock_config.set_item_stock_fields(session, item.id, now=hub.now(), **changes)
        fields = stock_config.item_stock_fields(session, item.sku)
    assert fields is not None
    return {"sku": item.sku, "track_stock": fields.track_stock, "backorderable": fields.backorderable,
            "handling_days": fields.handling_days, "buffer": _buffer_answer(fields.buffer_kind, fields.buffer_value),
            "changed": changed}


def set_warehouse_buffer(hub: Hub, code: str, kind: str | None, value: Any) -> dict[str, Any]:
    """The warehouse's buffer (D3): kept off its on hand before it counts."""
    kind, number = buffer_of(kind, value)
    with hub.store.uow() as session:
        wh = _warehouse(session, code)
        changed = stock_config.set_warehouse_buffer(session, wh.id, buffer_kind=kind, buffer_value=number,
                                                    now=hub.now())
    return {"code": wh.code, "buffer": _buffer_answer(kind, number), "changed": changed}


def add_warehouse(hub: Hub, code: str, name: str | None = None) -> dict[str, Any]:
    code = _text(code.strip(), "the warehouse code", max_length=32)
    if not code:
        raise ConfigError("the warehouse code is empty")
    with hub.store.uow() as session:
        added = catalog.add_warehouse(session, code=code, name=_text(name or code, "the name",
                                                                                 max_length=255), now=hub.now())
    return {"id": added.id, "code": added.code, "name": added.name, "buffer": None}


def list_warehouses(hub: Hub) -> list[dict[str, Any]]:
    with hub.store.uow(read_only=True) as session:
        out = []
        for w in catalog.list_warehouses(session):
            kind, value = stock_config.warehouse_buffer(session, w.id)
            out.append({"id": w.id, "code": w.code, "name": w.name, "buffer": _buffer_answer(kind, value)})
    return out


def _buffer_answer(kind: str | None, value: Decimal | None) -> dict[str, Any] | None:
    return None if kind is None else {"kind": kind, "value": f"{Decimal(value or 0).normalize():f}"}


def get_settings(hub: Hub, connection: int | str) -> dict[str, Any]:
    record = connection_service.get_connection(hub, connection)
    with hub.store.uow(read_only=True) as session:
        return _settings_answer(session, record.name, stock_config.get_settings(session, record.id))


def set_settings(hub: Hub, connection: int | str, changes: dict[str, Any]) -> dict[str, Any]:
    """Change some of the connection's stock settings; ``buffer`` ({kind, value} or None) and ``warehouses``
    (codes, or None for every warehouse) in people's words. A quantity setting re-sends every SKU (D5)."""
    record = connection_service.get_connection(hub, connection)
    wanted = _checked_settings(changes)
    with hub.store.uow() as session:
        if "warehouses" in wanted:
            codes = wanted.pop("warehouses")
            wanted["warehouse_ids"] = None if codes is None else [_warehouse(session, c).id for c in codes]
        updated = stock_config.set_settings(session, record.id, now=hub.now(), **wanted)
        return _settings_answer(session, record.name, updated)


def _checked_settings(changes: dict[str, Any]) -> dict[str, Any]:
    allowed = {"buffer", "untracked_quantity", "handling_days", "warehouses", "full_refresh_minutes", "patch_max",
               "price_guard_percent"}
    unknown = set(changes) - allowed
    if unknown:
        raise ConfigError(f"unknown stock settings: {', '.join(sorted(unknown))}")
    out: dict[str, Any] = {}
    if "buffer" in changes:
        buffer = changes["buffer"]
        kind, value = buffer_of(None, None) if buffer is None else buffer_of(buffer.get("kind"), buffer.get("value"))
        out.update(buffer_kind=kind, buffer_value=value)
    bounds = {"untracked_quantity": (0, MAX_UNTRACKED, False), "handling_days": (0, MAX_HANDLING_DAYS, True),
              "full_refresh_minutes": (0, MAX_REFRESH_MINUTES, False), "patch_max": (0, MAX_PATCH, False)}
    for name, (low, high, nullable) in bounds.items():
        if name in changes:
            value = changes[name]
            if value is None and nullable:
                out[name] = None
            elif isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ConfigError(f"{name} must be a whole number from {low} to {high}")
            else:
                out[name] = value
    if "price_guard_percent" in changes:
        value = changes["price_guard_percent"]
        if value is not None:
            try:
                value = Decimal(str(value))
            except (InvalidOperation, ValueError):
                raise ConfigError("price_guard_percent must be a number") from None
            if not value.is_finite() or not 0 <= value <= 1000:
                raise ConfigError("price_guard_percent must be 0 to 1000 (or null: no guard)")
        out["price_guard_percent"] = value
    if "warehouses" in changes:
        codes = changes["warehouses"]
        if codes is not None and (not isinstance(codes, list) or len(codes) > 1000
                                  or not all(isinstance(c, str) for c in codes)):
            raise ConfigError("warehouses must be a list of warehouse codes, or null for every warehouse")
        out["warehouses"] = codes
    return out


def _settings_answer(session, name: str, settings: stock_config.StockSettings) -> dict[str, Any]:
    codes = {w.id: w.code for w in catalog.list_warehouses(session)}
    return {"connection": name, "buffer": _buffer_answer(settings.buffer_kind, settings.buffer_value),
            "untracked_quantity": settings.untracked_quantity, "handling_days": settings.handling_days,
            "warehouses": None if settings.warehouse_ids is None
            else [codes.get(i, str(i)) for i in settings.warehouse_ids],
            "full_refresh_minutes": settings.full_refresh_minutes, "patch_max": settings.patch_max,
            "price_guard_percent": None if settings.price_guard_percent is None
            else f"{Decimal(settings.price_guard_percent).normalize():f}"}
