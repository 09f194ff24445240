"""What the hub accepts from outside at all (I1, I2; issue 9): the rules every front end and every
use case applies before a value reaches the store.

Every input from outside is hostile. The store must never be the one to refuse a value (a database
error is a 500, and SQLite and PostgreSQL refuse different things), so these rules are the union of
what either database, JSON and UTF-8 can hold:

- an id is ASCII digits naming an integer in 1..2^63-1 (a signed 64-bit column). ``str.isdigit()``
  is true for ``²`` and ``٣``, and ``int()`` reads them, so neither may decide what an id is;
- text holds no NUL (PostgreSQL refuses it in text columns) and no lone surrogate (it cannot be
  encoded as UTF-8, so it breaks every later answer that shows it) and has a maximum length (the
  column's, refused on PostgreSQL, silently kept on SQLite);
- a moment lies within :data:`EARLIEST`..:data:`LATEST`, so that adding the hub's periods to it
  (365 days of authorization, A4) stays inside ``datetime``;
- a JSON document nests at most :data:`MAX_JSON_DEPTH` deep (Python's parser would otherwise run out
  of stack), and a JSON value stored for later (connection settings) holds only such text.

Each check raises ``ValueError`` with a message that names the field and says what is wrong, and
never repeats the value (it may be a secret or buyer data).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

MAX_ID = 2**63 - 1  # the largest value of a signed 64-bit integer column (SQLite INTEGER, PostgreSQL BIGINT)
MAX_JSON_DEPTH = 32  # Amazon's notifications nest about 6 deep; the hub's settings 2
MAX_TEXT = 10_000  # any text without a narrower column
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)  # before Amazon's Selling Partner API, and far enough
LATEST = datetime(2200, 1, 1, tzinfo=UTC)  # far past any authorization, yet well inside datetime

_ASCII_ID = re.compile(r"[0-9]{1,19}")
_SURROGATE = re.compile("[\ud800-\udfff]")


def numeric_id(ref: object) -> int | None:
    """``ref`` as an id when it is one (an int, or ASCII digits) within 1..MAX_ID; None when it is not
    written as an id at all (a name). ``ValueError`` for digits out of that range."""
    if isinstance(ref, bool):
        return None
    if isinstance(ref, int):
        value = ref
    elif isinstance(ref, str) and ref.isascii() and ref.isdigit():
        if not _ASCII_ID.fullmatch(ref):
            raise ValueError(f"an id is at most {MAX_ID}")
        value = int(ref)
    else:
        return None
    if not 1 <= value <= MAX_ID:
        raise ValueError(f"an id is between 1 and {MAX_ID}")
    return value


def text_problem(value: str, *, max_length: int = MAX_TEXT) -> str | None:
    """Why ``value`` cannot be stored as text, or None when it can."""
    if len(value) > max_length:
        return f"is longer than {max_length} characters"
    if "\x00" in value:
        return "contains a NUL character"
    if _SURROGATE.search(value):
        return "contains a lone surrogate (not valid Unicode text)"
    return None


def check_text(value: str, what: str, *, max_length: int = MAX_TEXT) -> str:
    """``value`` unchanged when it can be stored as text; ``ValueError`` naming ``what`` otherwise."""
    problem = text_problem(value, max_length=max_length)
    if problem:
        raise ValueError(f"{what} {problem}")
    return value


def check_moment(value: datetime, what: str) -> datetime:
    """``value`` unchanged when it is an aware moment within EARLIEST..LATEST."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} needs a time zone (e.g. Z or +02:00)")
    if not EARLIEST <= value <= LATEST:
        raise ValueError(f"{what} must lie between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d}")
    return value


def check_json_value(value: Any, what: str, *, max_depth: int = MAX_JSON_DEPTH, max_text: int = MAX_TEXT) -> Any:
    """``value`` unchanged when it is plain JSON (objects with text keys, arrays, text, finite numbers
    within 64 bits, booleans, null) at most ``max_depth`` deep, every text storable; ``ValueError``
    naming the path of the first bad part otherwise."""
    stack: list[tuple[Any, str, int]] = [(value, what, 1)]
    while stack:
        item, where, depth = stack.pop()
        if depth > max_depth:
            raise ValueError(f"{where} nests deeper than {max_depth} levels")
        if isinstance(item, str):
            check_text(item, where, max_length=max_text)
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, int):
            if not -MAX_ID - 1 <= item <= MAX_ID:
                raise ValueError(f"{where} is a number beyond 64 bits")
        elif isinstance(item, float):
            if item != item or item in (float("inf"), float("-inf")):
                raise ValueError(f"{where} is not a finite number")
        elif isinstance(item, Mapping):
            for key, inner in item.items():
                if not isinstance(key, str):
                    raise ValueError(f"{where} has a key that is not text")
                check_text(key, f"a key of {where}", max_length=max_text)
                stack.append((inner, f"{where}.{key}", depth + 1))
        elif isinstance(item, (list, tuple)):
            stack.extend((inner, f"{where}[{i}]", depth + 1) for i, inner in enumerate(item))
        else:
            raise ValueError(f"{where} is not a JSON value")
    return value


def json_depth_problem(text: str | bytes, *, max_depth: int = MAX_JSON_DEPTH) -> str | None:
    """Why ``text`` nests too deep to be parsed safely, or None. A cheap scan before ``json.loads``
    (which recurses once per level): brackets inside strings are skipped, so it counts only the
    document's own structure."""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    depth = 0
    in_string = escaped = False
    for byte in data:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # closing quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > max_depth:
                return f"JSON nests deeper than {max_depth} levels"
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return None


def loads_bounded(text: str | bytes, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """``json.loads`` for hostile documents: ``ValueError`` (never ``RecursionError``) when the
    document nests deeper than ``max_depth``."""
    problem = json_depth_problem(text, max_depth=max_depth)
    if problem:
        raise ValueError(problem)
    return json.loads(text)
