"""The outbox table: queue an item in the caller's transaction, find due ones, record tries."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import peewee as pw

from appliance.domain.errors import NotFound
from appliance.domain.outbox import ERROR_MAX, FAILED, QUEUED, SENT, OutboxItem
from appliance.storage.tables import OutboxRow


def item_of(row: OutboxRow) -> OutboxItem:
    return OutboxItem(id=row.id, kind=row.kind, payload=json.loads(row.payload),
                      status=row.status, attempts=row.attempts, last_error=row.last_error,
                      created_at=row.created_at, next_attempt_at=row.next_attempt_at,
                      sent_at=row.sent_at)


def enqueue(kind: str, payload: dict[str, Any], now: datetime) -> OutboxItem:
    """Queue an item in the caller's write transaction: it commits with the change it
    reports, or not at all."""
    return item_of(OutboxRow.create(kind=kind, payload=json.dumps(payload, ensure_ascii=False),
                                  status=QUEUED, attempts=0, last_error="", created_at=now,
                                  next_attempt_at=now))


def get(item_id: int) -> OutboxItem:
    row = OutboxRow.get_or_none(OutboxRow.id == item_id)
    if row is None:
        raise NotFound("No such outbox item")
    return item_of(row)


def due(now: datetime, limit: int) -> list[OutboxItem]:
    query = (OutboxRow.select()
             .where((OutboxRow.status == QUEUED) & (OutboxRow.next_attempt_at <= now))
             .order_by(OutboxRow.next_attempt_at, OutboxRow.id).limit(limit))
    return [item_of(r) for r in query]


def mark_sent(item_id: int, now: datetime) -> None:
    OutboxRow.update(status=SENT, sent_at=now, last_error="",
                     attempts=OutboxRow.attempts + 1).where(OutboxRow.id == item_id).execute()


def forget_about_visitors(visitor_ids: list[int]) -> int:
    """Delete the items that carry these visitors' words or addresses (sent or not: an
    erasure or a purge takes them); returns how many."""
    gone = 0
    for start in range(0, len(visitor_ids), 500):
        chunk = visitor_ids[start:start + 500]
        gone += OutboxRow.delete().where(
            pw.fn.json_extract(OutboxRow.payload, "$.visitor_id").in_(chunk)).execute()
    return gone


def forget_delivered(before: datetime) -> int:
    """Delete items sent or given up before `before` (their text served only the delivery);
    returns how many."""
    return int(OutboxRow.delete().where(
        ((OutboxRow.status == SENT) & (OutboxRow.sent_at < before))
        | ((OutboxRow.status == FAILED) & (OutboxRow.next_attempt_at < before))).execute())


def mark_attempt_failed(item_id: int, error: str, next_attempt_at: datetime | None) -> None:
    """Record a failed attempt; without a next attempt the item is given up."""
    fields: dict[str, Any] = {"attempts": OutboxRow.attempts + 1,
                              "last_error": error[:ERROR_MAX]}
    if next_attempt_at is None:
        fields["status"] = FAILED
    else:
        fields["next_attempt_at"] = next_attempt_at
    OutboxRow.update(**fields).where(OutboxRow.id == item_id).execute()
