"""Reading Amazon's JSON payloads safely: every failure is a ``MappingError`` that says where (B11).

A payload that cannot be read is one order's problem, not the run's: the sync puts it in the error log
with the Amazon document and goes on. So nothing here lets a ``KeyError``/``TypeError`` escape; each
accessor checks the type it expects and names the place (``orderItems[1].product.price.unitPrice``).

Values are read through :class:`Node`: a value plus its path. A missing key gives an empty node, so
optional datasets (``buyer``, ``recipient``, ``proceeds``...) read as ``None`` without ceremony.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

from ..domain.common.errors import DomainError
from ..domain.common.moments import to_datetime
from ..domain.common.money import Money

# Stable error codes (they group the error log, H1).
BAD_PAYLOAD = "bad_payload"  # broken structure: wrong type, required field missing
UNKNOWN_STATUS = "unknown_status"  # an order status the hub does not know (never guessed)
UNKNOWN_FULFILLMENT = "unknown_fulfillment"  # neither merchant- nor Amazon-fulfilled
BAD_AMOUNT = "bad_amount"  # an amount that is not a decimal string, or a bad currency code
BAD_QUANTITY = "bad_quantity"  # a quantity that is not a whole number >= 0
BAD_DATE = "bad_date"  # a date-time that is not ISO 8601
CURRENCY_MISMATCH = "currency_mismatch"  # two currencies in one order

# No real order line comes near this; it keeps a corrupt value out of 32-bit database columns.
MAX_QUANTITY = 1_000_000
# Amazon writes amounts as plain decimals ("19.99", "-5.00"); exponents or 20+ digits are corrupt data
# (and would overflow Decimal arithmetic later).
_AMOUNT = re.compile(r"[+-]?\d{1,15}(\.\d{1,6})?", re.ASCII)

_MISSING = object()


class MappingError(DomainError):
    """Amazon sent something the hub cannot map; ``where`` names the field, ``code`` the kind."""


class Node:
    """A JSON value and where it sits in the payload (the path is built only when an error needs it).

    The download maps every order it reads (issue 3: over a thousand orders a second, stored), so
    the common case is kept cheap: a child that is there with the expected type is checked inline
    (``type(v) is dict``: JSON objects are plain dicts), and a reader given the child's key
    (``node.text("city")``) builds no node for it. Anything else takes the general path,
    ``node["city"].text()``, which does every check and names the place. Both paths return the same
    value; the fast one answers only for values the general one accepts as they are.
    """

    __slots__ = ("_key", "_parent", "_root_where", "value")

    def __init__(self, value: Any, where: str = "", *, parent: Node | None = None, key: str | int = "") -> None:
        self.value = value
        self._parent = parent
        self._key = key
        self._root_where = where

    @property
    def where(self) -> str:
        if self._parent is None:
            return self._root_where
        above = self._parent.where
        if isinstance(self._key, int):
            return f"{above}[{self._key}]"
        return f"{above}.{self._key}" if above else self._key

    @property
    def missing(self) -> bool:
        return self.value is _MISSING or self.value is None

    def fail(self, code: str, message: str) -> MappingError:
        return MappingError(code, message, where=self.where or "(payload)")

    def __getitem__(self, key: str) -> Node:
        """The child ``key``; an empty node when this node or the key is absent."""
        value = self.value
        if type(value) is dict:
            return _child(value.get(key, _MISSING), self, key)
        if value is _MISSING or value is None:
            return _child(_MISSING, self, key)
        if not isinstance(value, dict):
            raise self.fail(BAD_PAYLOAD, f"expected an object, got {type(value).__name__}")
        return _child(value.get(key, _MISSING), self, key)

    def at(self, *keys: str) -> Node:
        """``self[k1][k2]...``, without building the nodes in between when they are objects or absent."""
        value = self.value
        for key in keys:
            if type(value) is dict:
                value = value.get(key, _MISSING)
            elif value is _MISSING or value is None:
                value = _MISSING
            else:  # the general path fails where the way is broken
                node = self
                for step in keys:
                    node = node[step]
                return node
        return _child(value, self, ".".join(keys))

    def obj(self, *, required: bool = False) -> Node | None:
        """This node if it is an object; None when absent and optional."""
        if type(self.value) is dict:
            return self
        if self.missing:
            if required:
                raise self.fail(BAD_PAYLOAD, "required object is missing")
            return None
        if not isinstance(self.value, dict):
            raise self.fail(BAD_PAYLOAD, f"expected an object, got {type(self.value).__name__}")
        return self

    def items(self, *, required: bool = False) -> Iterator[Node]:
        """The elements of a list (none when absent and optional)."""
        if self.missing:
            if required:
                raise self.fail(BAD_PAYLOAD, "required list is missing")
            return iter(())
        if not isinstance(self.value, list):
            raise self.fail(BAD_PAYLOAD, f"expected a list, got {type(self.value).__name__}")
        return (_child(v, self, i) for i, v in enumerate(self.value))

    def text(self, key: str | None = None, *, required: bool = False) -> str | None:
        """A string (of the child ``key`` when given); blank strings count as absent (Amazon leaves
        optional fields empty at times)."""
        if key is not None:
            value = self.value
            if type(value) is dict:
                raw = value.get(key)
                if type(raw) is str:
                    raw = raw.strip()
                    if raw:
                        return raw
                elif raw is None and not required:
                    return None
            elif (value is _MISSING or value is None) and not required:
                return None
            return self[key].text(required=required)
        if self.missing:
            if required:
                raise self.fail(BAD_PAYLOAD, "required field is missing")
            return None
        if not isinstance(self.value, str):
            raise self.fail(BAD_PAYLOAD, f"expected a string, got {type(self.value).__name__}")
        value = self.value.strip()
        if not value:
            if required:
                raise self.fail(BAD_PAYLOAD, "required field is empty")
            return None
        return value

    def integer(self, key: str | None = None, *, required: bool = False, default: int | None = None) -> int | None:
        """A whole number >= 0 (quantities). ``True`` is not 1, ``2.0`` is not 2."""
        if key is not None:
            value = self.value
            raw = value.get(key) if type(value) is dict else _MISSING
            if type(raw) is int and 0 <= raw <= MAX_QUANTITY:
                return raw
            if raw is None and not required:
                return default
            return self[key].integer(required=required, default=default)
        if self.missing:
            if required:
                raise self.fail(BAD_QUANTITY, "required quantity is missing")
            return default
        if isinstance(self.value, bool) or not isinstance(self.value, int):
            raise self.fail(BAD_QUANTITY, f"expected a whole number, got {self.value!r:.40}")
        if not 0 <= self.value <= MAX_QUANTITY:
            raise self.fail(BAD_QUANTITY, f"quantity out of range: {self.value}")
        return self.value

    def flag(self) -> bool:
        """A JSON boolean, or Amazon's "true"/"false" strings (v0 writes both)."""
        if self.missing:
            return False
        if isinstance(self.value, bool):
            return self.value
        if isinstance(self.value, str) and self.value.strip().lower() in ("true", "false"):
            return self.value.strip().lower() == "true"
        raise self.fail(BAD_PAYLOAD, f"expected true or false, got {self.value!r:.40}")

    def moment(self, key: str | None = None, *, required: bool = False) -> datetime | None:
        """An ISO 8601 date-time as aware UTC (``moments.to_datetime``; a missing zone means UTC, as Amazon
        answers in UTC); one that cannot be read is a ``BAD_DATE`` naming this field."""
        if key is not None:
            value = self.value
            raw = value.get(key) if type(value) is dict else _MISSING
            if type(raw) is str:
                parsed = to_datetime(raw, naive_is_utc=True)
                if parsed is not None:
                    return parsed
            elif raw is None and not required:
                return None
            return self[key].moment(required=required)
        text = self.text(required=required)
        if text is None:
            return None
        parsed = to_datetime(text, naive_is_utc=True)
        if parsed is None:
            raise self.fail(BAD_DATE, f"not an ISO 8601 date-time: {text!r:.40}")
        return parsed

    def money(self, key: str | None = None, *, required: bool = False) -> Money | None:
        """Amazon's ``Money {amount: "19.99", currencyCode}`` (or v0's ``{Amount, CurrencyCode}``).

        Amounts are decimal strings by Amazon's model; a float is refused rather than rounded.
        """
        if key is not None:
            value = self.value
            raw = value.get(key) if type(value) is dict else _MISSING
            if type(raw) is dict:
                plain = _plain_money(raw)
                if plain is not None:
                    return plain
            elif raw is None and not required:
                return None
            return self[key].money(required=required)
        node = self.obj(required=required)
        if node is None:
            return None
        amount = node["amount"] if "amount" in node.value else node["Amount"]
        currency = node["currencyCode"] if "currencyCode" in node.value else node["CurrencyCode"]
        value = amount.value
        if amount.missing:
            raise amount.fail(BAD_AMOUNT, "amount is missing")
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise amount.fail(BAD_AMOUNT, f"amount must be a decimal string, got {type(value).__name__}")
        if isinstance(value, str) and not _AMOUNT.fullmatch(value.strip()):
            raise amount.fail(BAD_AMOUNT, f"not a decimal amount: {value!r:.40}")
        if isinstance(value, int) and abs(value) >= 10**15:
            raise amount.fail(BAD_AMOUNT, f"amount out of range: {value}")
        code = currency.text()
        if code is None or not code.isascii():
            raise currency.fail(BAD_AMOUNT, f"not a currency code: {currency.value!r:.40}")
        try:
            return Money.of(value, code)
        except ValueError as exc:
            bad = currency if str(exc).startswith("not a currency") else amount
            raise bad.fail(BAD_AMOUNT, str(exc)) from None

    # Required variants: the same checks, typed without None.
    def req_text(self, key: str | None = None) -> str:
        value = self.text(key, required=True)
        assert value is not None  # text(required=True) raised otherwise
        return value

    def req_moment(self, key: str | None = None) -> datetime:
        value = self.moment(key, required=True)
        assert value is not None
        return value

    def req_money(self, key: str | None = None) -> Money:
        value = self.money(key, required=True)
        assert value is not None
        return value


_new = object.__new__


def _child(value: Any, parent: Node, key: str | int) -> Node:
    # Node(value, parent=..., key=...) without the keyword-call overhead: a node per JSON value read.
    node = _new(Node)
    node.value = value
    node._parent = parent
    node._key = key
    node._root_where = ""
    return node


def _plain_money(raw: dict[str, Any]) -> Money | None:
    """Money as Amazon normally writes it (``{"amount": "19.99", "currencyCode": "USD"}``), read
    without building nodes; None for anything else, which :meth:`Node.money` then checks in full."""
    amount = raw.get("amount")
    code = raw.get("currencyCode")
    if type(amount) is str and type(code) is str:
        amount = amount.strip()
        code = code.strip()
        if len(code) == 3 and code.isascii() and code.isalpha() and _AMOUNT.fullmatch(amount):
            return Money(Decimal(amount), code.upper())  # what Money.of gives for these checked values
    return None
