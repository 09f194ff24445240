"""Amazon's listings answers -> the hub's :class:`ListingOutcome`: the one status table (D7, D8, E1, G2).

Every listings answer the gateway reads goes through here, whichever way it came: a
``patchListingsItem`` answer (``status`` + ``issues``), an HTTP error of that call, or one message's
issues in a ``JSON_LISTINGS_FEED`` processing report. The rules:

- ``ACCEPTED`` (or ``VALID`` in preview) without issues -> ACCEPTED; with WARNING issues only -> WARNING;
- ``INVALID``, or any ERROR issue -> INVALID with the *first* ERROR issue's code and message, except
  Amazon's "SKU not in your catalog" code (:data:`UNKNOWN_SKU_CODES`) -> UNKNOWN_SKU (D8: a warning
  for the operator, not a failed run);
- HTTP 404 (the SKU is not there) -> UNKNOWN_SKU;
- 400/422 (Amazon could not take the request) -> INVALID with Amazon's code and message;
- what the transport still calls retryable after its retries (5xx, no answer) -> RETRY.

Other failures (LWA refused, 403, throttled past the deadline) are not about one SKU: they raise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ...domain.ports.listings import ListingAnswer, ListingOutcome
from ..errors import AmazonError, AuthError, Throttled

# Amazon's issue code for "SKU '...' is not in your catalog for marketplace ..." (docs/amazon-quirks.md).
UNKNOWN_SKU_CODES = frozenset({"13013"})
NOT_FOUND_CODES = frozenset({"NOT_FOUND", "NotFound"})
MAX_TEXT = 1000  # Amazon's messages are kept as written, cut here (they go to the error log)

# Amazon's submission status -> what it means before looking at the issues
STATUSES: dict[str, ListingOutcome] = {
    "ACCEPTED": ListingOutcome.ACCEPTED,
    "VALID": ListingOutcome.ACCEPTED,  # VALIDATION_PREVIEW: nothing was changed, nothing refused
    "INVALID": ListingOutcome.INVALID,
}
SEVERITIES: dict[str, ListingOutcome] = {"ERROR": ListingOutcome.INVALID, "WARNING": ListingOutcome.WARNING}


def _text(value: Any) -> str | None:
    return str(value)[:MAX_TEXT] if value not in (None, "") else None


def _issues(raw: Any) -> list[Mapping[str, Any]]:
    return [i for i in raw if isinstance(i, Mapping)] if isinstance(raw, list) else []


def answer_of_issues(status: str | None, issues: Sequence[Mapping[str, Any]]) -> ListingAnswer:
    """One submission's answer from Amazon's status word (None in feed reports) and its issues."""
    errors = [i for i in issues if SEVERITIES.get(str(i.get("severity") or "").upper()) is ListingOutcome.INVALID]
    warnings = [i for i in issues if SEVERITIES.get(str(i.get("severity") or "").upper()) is ListingOutcome.WARNING]
    outcome = STATUSES.get(status or "", ListingOutcome.ACCEPTED if status is None else ListingOutcome.INVALID)
    if errors or outcome is ListingOutcome.INVALID:
        first = errors[0] if errors else {}
        code = _text(first.get("code"))
        message = _text(first.get("message")) or (f"Amazon answered {status}" if status else None)
        if code in UNKNOWN_SKU_CODES:
            return ListingAnswer(ListingOutcome.UNKNOWN_SKU, code, message)
        return ListingAnswer(ListingOutcome.INVALID, code, message)
    if warnings:
        return ListingAnswer(ListingOutcome.WARNING, _text(warnings[0].get("code")), _text(warnings[0].get("message")))
    return ListingAnswer(ListingOutcome.ACCEPTED)


def answer_of_submission(data: Any) -> ListingAnswer:
    """A ``patchListingsItem`` 200 body (``ListingsItemSubmissionResponse``)."""
    if not isinstance(data, Mapping) or not isinstance(data.get("status"), str):
        return ListingAnswer(ListingOutcome.RETRY, None, "patchListingsItem answered without a status")
    return answer_of_issues(data["status"], _issues(data.get("issues")))


def answer_of_error(exc: AmazonError) -> ListingAnswer:
    """A failed ``patchListingsItem`` call, for one SKU; raises what is not about the SKU (see the module)."""
    if isinstance(exc, (AuthError, Throttled)):
        raise exc
    if exc.status == 404 or exc.code in NOT_FOUND_CODES:
        return ListingAnswer(ListingOutcome.UNKNOWN_SKU, exc.code, _text(exc.message))
    if exc.retryable:
        return ListingAnswer(ListingOutcome.RETRY, exc.code, _text(str(exc)))
    if exc.status in (400, 422):
        return ListingAnswer(ListingOutcome.INVALID, exc.code, _text(exc.message))
    raise exc


def answer_of_report_issues(issues: Sequence[Mapping[str, Any]]) -> ListingAnswer:
    """One feed message's issues in a processing report (no status word: no issue means accepted)."""
    return answer_of_issues(None, issues)
