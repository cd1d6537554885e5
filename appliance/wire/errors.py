"""Error bodies: `{"error": {"code", "message", "field"?}}` over HTTP and inside frames."""

from __future__ import annotations

from typing import Any


def error_json(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if field:
        error["field"] = field
    return error


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    return {"error": error_json(code, message, field)}
