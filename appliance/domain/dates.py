"""Calendar dates as the API writes them."""

from __future__ import annotations

import re
from datetime import date

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def iso_date(text: str) -> date | None:
    """`text` as a calendar date written exactly YYYY-MM-DD, else None (Python's
    `date.fromisoformat` also reads `20261231` and week dates such as `2026-W49-1`)."""
    if not _ISO_DATE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None
