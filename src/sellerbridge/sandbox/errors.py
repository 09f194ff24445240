"""Amazon's error shape, as every SP-API operation returns it (I4).

``{"errors": [{"code": ..., "message": ..., "details": ...}]}`` with the status Amazon uses:
400 InvalidInput, 403 Unauthorized, 404 NotFound, 413 RequestTooLarge, 415 UnsupportedMediaType,
429 QuotaExceeded, 500 InternalFailure, 503 ServiceUnavailable.
"""

from __future__ import annotations

from starlette.responses import JSONResponse


class SpApiError(Exception):
    """Raised anywhere in a handler; rendered in Amazon's error shape."""

    def __init__(self, status: int, code: str, message: str, details: str = "",
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers or {}

    def response(self, request_id: str = "") -> JSONResponse:
        body = {"errors": [{"code": self.code, "message": self.message, "details": self.details}]}
        headers = dict(self.headers)
        if request_id:
            headers["x-amzn-RequestId"] = request_id
        return JSONResponse(body, status_code=self.status, headers=headers)


def invalid_input(message: str, details: str = "") -> SpApiError:
    return SpApiError(400, "InvalidInput", message, details)


def not_found(message: str = "The requested resource was not found.", details: str = "") -> SpApiError:
    return SpApiError(404, "NotFound", message, details)


def unauthorized(details: str) -> SpApiError:
    # Amazon answers every authentication/authorization problem with the same 403 and message;
    # only `details` tells an expired token from an unknown one.
    return SpApiError(403, "Unauthorized", "Access to requested resource is denied.", details)


def quota_exceeded() -> SpApiError:
    return SpApiError(429, "QuotaExceeded", "You exceeded your quota for the requested resource.")


def internal_failure() -> SpApiError:
    return SpApiError(500, "InternalFailure", "We encountered an internal error. Please try again.")


def service_unavailable() -> SpApiError:
    return SpApiError(503, "ServiceUnavailable", "Service temporarily unavailable. Please try again.")
