"""The outbox: side effects that leave the process (mail now; webhooks and scheduled reports
later) are rows written in the same transaction as the change they report, then delivered
with retries by their kind's handler. Nothing is announced that did not commit, and nothing
that committed is forgotten by a crash."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

QUEUED, SENT, FAILED = "queued", "sent", "failed"
GIVE_UP_AFTER = timedelta(hours=24)
RETRY_MAX = timedelta(hours=1)
ERROR_MAX = 1000


@dataclass(frozen=True, slots=True)
class OutboxItem:
    id: int
    kind: str  # names the handler that delivers it, e.g. "mail"
    payload: dict[str, Any]
    status: str  # queued | sent | failed (given up)
    attempts: int
    last_error: str
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None


def retry_at(attempts: int, now: datetime, base_seconds: float) -> datetime:
    """Exponential backoff from `base_seconds`, capped at RETRY_MAX."""
    delay = timedelta(seconds=base_seconds * 2 ** min(max(attempts - 1, 0), 20))
    return now + min(delay, RETRY_MAX)


def should_give_up(item: OutboxItem, now: datetime) -> bool:
    return now - item.created_at >= GIVE_UP_AFTER
