"""Stock files applied to the ledger (I5, H1): ``domain.ports.stock_in.StockImport`` over the database.

The file is parsed by the pure rules (``domain/stock/csv_import.py``); then its good rows are applied in
chunks of :data:`CHUNK`, one transaction each: SKUs and warehouse codes looked up once per chunk, the rows
through ``stock_ledger.apply_many`` (a few statements per chunk, idempotent by each row's ref), and the
items of the chunk marked dirty with ONE statement (D5; a 10,000-line file is 20 marks, not 10,000). A
row naming an unknown SKU or warehouse is refused with its line. Every refused row goes to the error log (kind
:data:`ERROR_KIND`, key ``<file>:<line>``) with the row as read, so a person can reprocess it once the SKU
exists (:meth:`DbStockImport.reprocess`: the same ref, so applying it twice is impossible).

Stock is hub-wide; the error log is per connection: the rows' errors are filed under the connection the
file came through (the inbox's, or the one the person named).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...domain.ports.shipments import ImportOutcome, LineError
from ...domain.stock.csv_import import ParsedStockCsv, StockRow, parse_stock_csv, row_of_raw
from ..repositories import error_log, stock_ledger
from ..repositories.stock_marks import mark_items_dirty
from ..store import Store
from ..tables.catalog import items, warehouses

ERROR_KIND = "stock_import"
CHUNK = 500
KEY_MAX = 128  # error_log.key
WHERE_MAX = 255  # error_log.where


class NotReprocessable(ValueError):
    """The error log's copy is no stock row (a file that could not be read there)."""


class DbStockImport:
    def __init__(self, store: Store, connection_id: int, now: Callable[[], datetime]) -> None:
        self._store = store
        self.connection_id = connection_id
        self._now = now

    def import_file(self, content: bytes, *, file_name: str, source: str = "inbox") -> ImportOutcome:
        parsed = parse_stock_csv(content)
        name = file_name.strip()[:200] or "upload.csv"
        errors: list[LineError] = list(parsed.errors)
        accepted = duplicates = 0
        for start in range(0, len(parsed.rows), CHUNK):
            chunk = parsed.rows[start:start + CHUNK]
            with self._store.uow() as session:
                applied, replayed, refused = self._apply(session, chunk)
                self._resolve(session, name, [row for row in chunk if row not in refused])
            accepted, duplicates = accepted + applied, duplicates + replayed
            errors += refused.values()
        self._log(name, parsed, errors)
        errors.sort(key=lambda e: e.line)
        return ImportOutcome(accepted=accepted, duplicates=duplicates, errors=tuple(errors), encoding=parsed.encoding)

    def _apply(self, session: Session, rows: Sequence[StockRow]) -> tuple[int, int, dict[StockRow, LineError]]:
        """The chunk's rows in a few statements (``stock_ledger.apply_many``); line by line when another
        transaction applied some of the same refs meanwhile (then each replay is found as it comes)."""
        try:
            with session.begin_nested():
                return self._apply_rows(session, rows, bulk=True)
        except stock_ledger.LedgerRace:
            return self._apply_rows(session, rows, bulk=False)

    def _apply_rows(self, session: Session, rows: Sequence[StockRow], *,
                    bulk: bool) -> tuple[int, int, dict[StockRow, LineError]]:
        now = self._now()
        item_ids = dict(session.execute(select(items.c.sku, items.c.id)
                                        .where(items.c.sku.in_(sorted({r.sku for r in rows})))).all())
        codes = {code.casefold(): wid for code, wid in session.execute(select(warehouses.c.code, warehouses.c.id))}
        refused: dict[StockRow, LineError] = {}
        moves: list[stock_ledger.Move] = []
        for row in rows:
            item_id, warehouse_id = item_ids.get(row.sku), codes.get(row.warehouse.casefold())
            if item_id is None:
                refused[row] = LineError(row.line, f"SKU {row.sku} is not an item of the hub", field="sku",
                                         code="unknown_sku")
            elif warehouse_id is None:
                refused[row] = LineError(row.line, f"warehouse {row.warehouse} is not known to the hub",
                                         field="warehouse", code="unknown_warehouse")
            else:
                moves.append(stock_ledger.Move(item_id, warehouse_id, row.quantity, row.reason, row.ref))
        if bulk:
            deltas = stock_ledger.apply_many(session, moves, now=now)
        else:
            deltas = [stock_ledger.apply_count(session, item_id=mv.item_id, warehouse_id=mv.warehouse_id,
                                               on_hand=mv.quantity, ref=mv.ref, now=now, mark=False)
                      if mv.reason == "count" else
                      stock_ledger.apply_delta(session, item_id=mv.item_id, warehouse_id=mv.warehouse_id,
                                               delta=mv.quantity, reason=mv.reason, ref=mv.ref, now=now, mark=False)
                      for mv in moves]
        moved = [mv.item_id for mv, delta in zip(moves, deltas, strict=True) if delta]
        if moved:
            mark_items_dirty(session, moved, cause="stock file", now=now)
        replayed = sum(1 for delta in deltas if delta is None)
        return len(deltas) - replayed, replayed, refused

    def _log(self, name: str, parsed: ParsedStockCsv, errors: Sequence[LineError]) -> None:
        if not errors:
            return
        raw = {row.line: row for row in parsed.rows}
        with self._store.uow() as session:
            for error in errors:
                row = raw.get(error.line)
                payload: dict[str, Any] = {"file": name, "line": error.line, "kind": parsed.kind,
                                           "digest": parsed.digest,
                                           "row": row.raw if row is not None else parsed.refused.get(error.line)}
                error_log.record_error(
                    session, self._store.box, connection_id=self.connection_id, kind=ERROR_KIND,
                    key=_key(name, error.line), code=error.code, message=error.message[:2000],
                    where=(f"{name} line {error.line}" + (f" ({error.field})" if error.field else ""))[:WHERE_MAX],
                    payload=payload, now=self._now())

    def _resolve(self, session: Session, name: str, rows: Sequence[StockRow]) -> None:
        if rows:
            error_log.resolve_keys(session, self.connection_id, ERROR_KIND, [_key(name, r.line) for r in rows],
                                   now=self._now())

    def reprocess(self, error_key: str, payload: Any) -> ImportOutcome:
        """A refused row again from the error log's copy (its SKU or warehouse may exist now): applied (the
        error resolved), applied before (resolved too), or refused again (the error updated)."""
        if not isinstance(payload, dict) or not isinstance(payload.get("row"), dict):
            raise NotReprocessable("this line could not be read as a stock row: correct the file and import it again")
        row, problem = row_of_raw(int(payload.get("line") or 0), {str(k): str(v) for k, v in payload["row"].items()},
                                  str(payload.get("kind")), str(payload.get("digest") or ""))
        if row is None:
            raise NotReprocessable(problem.message if problem else "the stored row is no stock row")
        with self._store.uow() as session:
            applied, replayed, refused = self._apply(session, [row])
            if not refused:
                error_log.resolve_key(session, self.connection_id, ERROR_KIND, error_key, now=self._now())
        if refused:
            with self._store.uow() as session:
                error = refused[row]
                error_log.record_error(session, self._store.box, connection_id=self.connection_id, kind=ERROR_KIND,
                                       key=error_key, code=error.code, message=error.message, payload=payload,
                                       now=self._now())
        return ImportOutcome(accepted=applied, duplicates=replayed, errors=tuple(refused.values()))


def _key(name: str, line: int) -> str:
    suffix = f":{line}"
    return name[:KEY_MAX - len(suffix)] + suffix
