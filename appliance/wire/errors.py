"""Error bodies: `{"error": {"code", "message", "field"?}}` over HTTP and inside frames (and
`customer_id` for a duplicate customer)."""

from __future__ import annotations

from typing import Any


def error_json(code: str, message: str, field: str | None = None,
               retry_after: int | None = None, customer_id: int | None = None,
               ) -> dict[str, Any]:
    """`retry_after`: seconds to wait, for `rate_limited` (also the HTTP `Retry-After`);
    `customer_id`: the existing customer a new one would duplicate."""
    error: dict[str, Any] = {"code": code, "message": message}
    if field:
        error["field"] = field
    if retry_after is not None:
        error["retry_after"] = retry_after
    if customer_id is not None:
        error["customer_id"] = customer_id
    return error


def error_body(code: str, message: str, field: str | None = None,
               retry_after: int | None = None, customer_id: int | None = None,
               ) -> dict[str, Any]:
    return {"error": error_json(code, message, field, retry_after, customer_id)}
