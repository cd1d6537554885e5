"""The wire format: every JSON shape that leaves the server (REST bodies and socket frames)
is built in this package, from domain types, with one timestamp format.

Documented in docs/api.md (REST) and docs/protocol.md (frames); tests/test_wire.py checks the
frames against the document."""

from __future__ import annotations

from datetime import datetime


def timestamp(value: datetime | None) -> str | None:
    """ISO 8601 UTC to the second with a `Z`, e.g. `2026-11-24T08:00:00Z` (None stays null)."""
    return None if value is None else value.isoformat(timespec="seconds") + "Z"
