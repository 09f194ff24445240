"""The REST API's constrained types (I2; issue 9): ``domain/common/inputs.py``'s rules as pydantic
types, so that FastAPI refuses a bad value with a 422 before a handler runs, and OpenAPI says what
is accepted (lengths, ranges) so clients and the fuzz know it too.

- :data:`Id`: an integer path or query id in 1..2^63-1 (FastAPI's ``int`` takes ``99999999999999999999``,
  which no database column holds);
- :data:`Ref`: a connection or order named by id or by name: storable text, and when it is all digits,
  ASCII digits within the id range (``²`` is a digit to Python, not an id to the hub);
- :func:`Text`: storable text (no NUL, no lone surrogate) of at most ``max_length`` characters;
- :data:`Moment`: an aware date-time within the hub's range (A4 adds 365 days to it);
- :data:`JsonObject`: a JSON object of plain values, every text storable, nesting bounded.

:func:`printable` is the other side: an answer built from what is already stored (written before
these rules, or by hand) is made encodable rather than failing the whole listing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, Field

from ..domain.common import inputs

MAX_NAME = 100  # connection and API key names (the columns' length)


def _ref(value: str) -> str:
    inputs.check_text(value, "the reference", max_length=MAX_NAME)
    inputs.numeric_id(value)  # digits must be an id in range; a name passes
    if value.isdigit() and not value.isascii():
        raise ValueError("an id is written with the digits 0-9")
    return value


def Text(max_length: int = inputs.MAX_TEXT, **field: Any) -> Any:
    """Storable text of at most ``max_length`` characters, as an annotated ``str``."""
    return Annotated[str, Field(max_length=max_length, **field),
                     AfterValidator(lambda v: inputs.check_text(v, "the text", max_length=max_length))]


Id = Annotated[int, Field(ge=1, le=inputs.MAX_ID)]
Offset = Annotated[int, Field(ge=0, le=inputs.MAX_ID)]
Ref = Annotated[str, Field(min_length=1, max_length=MAX_NAME), AfterValidator(_ref)]
Moment = Annotated[datetime, AfterValidator(lambda v: inputs.check_moment(v, "the date-time"))]
JsonObject = Annotated[dict[str, Any], AfterValidator(lambda v: inputs.check_json_value(v, "settings"))]


def printable(value: Any) -> Any:
    """``value`` with every lone surrogate in its text replaced by U+FFFD, so that it can be encoded
    as UTF-8: a stored value nobody can read must not break the answer that lists it."""
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace") if not value.isascii() else value
    if isinstance(value, dict):
        return {printable(k): printable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [printable(v) for v in value]
    return value
