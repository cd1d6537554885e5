"""Canned replies: queries and changes, run on the database threads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from appliance.domain.conversations import CannedReply
from appliance.domain.errors import NotFound
from appliance.storage.tables import CannedReplyRow


def _reply(row: CannedReplyRow) -> CannedReply:
    return CannedReply(id=row.id, site_id=row.site_id, owner_id=row.owner_id,
                       shortcut=row.shortcut, body=row.body, company_id=row.company_id)


def get(reply_id: int) -> CannedReply:
    row = CannedReplyRow.get_or_none(CannedReplyRow.id == reply_id)
    if row is None:
        raise NotFound("No such canned reply")
    return _reply(row)


def list_for(user_id: int, site_ids: list[int] | None,
             company_ids: list[int] | None = None) -> list[CannedReply]:
    """The user's personal replies, the shared ones of the given sites and the scripts of the
    given companies (None: all of them)."""
    shared = CannedReplyRow.site.is_null(False) | CannedReplyRow.company_id.is_null(False)
    if site_ids is not None:
        shared = CannedReplyRow.site.in_(site_ids) | CannedReplyRow.company_id.in_(
            company_ids or [])
    query = CannedReplyRow.select().where((CannedReplyRow.owner == user_id) | shared)
    return [_reply(r) for r in query.order_by(CannedReplyRow.shortcut, CannedReplyRow.id)]


def create(fields: dict[str, Any], now: datetime) -> CannedReply:
    row = CannedReplyRow.create(site=fields["site_id"], owner=fields["owner_id"],
                                company_id=fields.get("company_id"),
                                shortcut=fields["shortcut"], body=fields["body"],
                                created_at=now, updated_at=now)
    return _reply(row)


def update(reply_id: int, fields: dict[str, Any], now: datetime) -> CannedReply:
    get(reply_id)
    CannedReplyRow.update(updated_at=now, **fields).where(CannedReplyRow.id == reply_id).execute()
    return get(reply_id)


def delete(reply_id: int) -> None:
    CannedReplyRow.delete().where(CannedReplyRow.id == reply_id).execute()
