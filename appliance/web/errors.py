"""The one place where domain errors become HTTP statuses and JSON error bodies."""

from __future__ import annotations

import logging

from sanic import Request
from sanic.exceptions import PayloadTooLarge, SanicException
from sanic.response import HTTPResponse, json

from appliance.domain import errors as e
from appliance.wire.errors import error_body

log = logging.getLogger(__name__)
HEADERS_MAX_BYTES = 16_384  # the request line and headers together (sanic's largest allowed)
# Sanic refuses an oversized head with the status of an oversized body (413) and these words
# (sanic/http/http1.py); it is told apart by them.
_SANIC_HEADER_LIMIT = "Request header exceeds the size limit"

STATUS: dict[type[e.DomainError], int] = {
    e.Invalid: 400,
    e.BadJson: 400,
    e.UnsupportedMediaType: 415,
    e.TooLarge: 413,
    e.Unauthenticated: 401,
    e.BadCredentials: 401,
    e.Forbidden: 403,
    e.CsrfFailed: 403,
    e.BadSetupCode: 403,
    e.NotFound: 404,
    e.Conflict: 409,
    e.SetupDone: 409,
    e.RateLimited: 429,
    e.DatabaseTooNew: 503,
}

_SANIC_CODES = {
    400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 408: "timeout", 413: "too_large", 415: "unsupported_media_type",
    416: "bad_range", 417: "bad_request", 503: "unavailable",
}


def error_response(status: int, code: str, message: str, field: str | None = None,
                   retry_after: int | None = None, customer_id: int | None = None,
                   ) -> HTTPResponse:
    headers = None if retry_after is None else {"Retry-After": str(retry_after)}
    return json(error_body(code, message, field, retry_after, customer_id), status=status,
                headers=headers, ensure_ascii=False)


def handle_exception(request: Request, exc: Exception) -> HTTPResponse:
    if isinstance(exc, e.DomainError):
        retry_after = exc.retry_after if isinstance(exc, e.RateLimited) else None
        duplicate = exc.customer_id if isinstance(exc, e.DuplicateCustomer) else None
        status = next((STATUS[cls] for cls in type(exc).__mro__ if cls in STATUS), 400)
        return error_response(status, exc.code, exc.message, exc.field, retry_after, duplicate)
    if isinstance(exc, PayloadTooLarge) and str(exc) == _SANIC_HEADER_LIMIT:
        return error_response(431, "headers_too_large",
                              f"Request headers too large (at most {HEADERS_MAX_BYTES} bytes "
                              "with the request line)")
    if isinstance(exc, SanicException) and 400 <= exc.status_code < 500:
        code = _SANIC_CODES.get(exc.status_code, "bad_request")
        message = {
            404: "Not found", 405: "Method not allowed", 413: "Request body too large",
        }.get(exc.status_code, "Bad request")
        return error_response(exc.status_code, code, message)
    log.exception("unhandled error on %s %s", request.method if request else "?",
                  request.path if request else "?")
    return error_response(500, "internal", "Something went wrong on the server")
