"""SMTP settings and mails in the outbox: queries and changes, run on the database threads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import peewee as pw

from appliance.domain.mail import MAIL, Mail, SmtpSettings, mail_of, mail_payload
from appliance.storage import outbox
from appliance.storage.tables import OutboxRow, SmtpSettingsRow

_SETTINGS_ID = 1


def get_smtp() -> SmtpSettings | None:
    row = SmtpSettingsRow.get_or_none(SmtpSettingsRow.id == _SETTINGS_ID)
    if row is None:
        return None
    return SmtpSettings(host=row.host, port=row.port, security=row.security,
                        username=row.username, password=row.password,
                        from_address=row.from_address)


def save_smtp(settings: SmtpSettings, now: datetime) -> SmtpSettings:
    fields = {"host": settings.host, "port": settings.port, "security": settings.security,
              "username": settings.username, "password": settings.password,
              "from_address": settings.from_address, "updated_at": now}
    (SmtpSettingsRow.insert(id=_SETTINGS_ID, **fields)
     .on_conflict(conflict_target=[SmtpSettingsRow.id], update=fields).execute())
    found = get_smtp()
    assert found is not None
    return found


def enqueue_mail(to_address: str, subject: str, body: str, now: datetime,
                 attachments: tuple[dict[str, Any], ...] = (),
                 about_visitor: int | None = None) -> Mail:
    """Queue a mail in the caller's write transaction: it commits with the change it
    reports (the subject is flattened to one safe header line; attachments are specs of
    files made when it is sent; `about_visitor`: whose words or address it carries)."""
    return mail_of(outbox.enqueue(MAIL, mail_payload(to_address, subject, body, attachments,
                                                     about_visitor), now))


def mail_status(limit: int) -> tuple[dict[str, int], list[Mail]]:
    """How the outbox's mails stand: counts by state (`waiting` not yet tried, `retrying`
    tried and failed, `failed` given up, `sent`; the outbox keeps what was sent or given up
    for a week), and the undelivered ones, newest first."""
    tried = OutboxRow.attempts > 0
    query = (OutboxRow.select(OutboxRow.status, tried, pw.fn.COUNT(OutboxRow.id))
             .where(OutboxRow.kind == MAIL).group_by(OutboxRow.status, tried).tuples())
    rows: list[tuple[str, int, int]] = list(query.iterator())
    counts = {"waiting": 0, "retrying": 0, "failed": 0, "sent": 0}
    for status, was_tried, n in rows:
        if status == "queued":
            counts["retrying" if was_tried else "waiting"] += n
        elif status in counts:
            counts[status] += n
    undelivered = (OutboxRow.select()
                   .where((OutboxRow.kind == MAIL) & (OutboxRow.status != "sent"))
                   .order_by(OutboxRow.id.desc()).limit(limit))
    return counts, [mail_of(outbox.item_of(row)) for row in undelivered]
