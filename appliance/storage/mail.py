"""SMTP settings and the mail outbox: queries and changes, run on the database threads."""

from __future__ import annotations

from datetime import datetime

from appliance.domain.errors import NotFound
from appliance.domain.mail import FAILED, QUEUED, SENT, Mail, SmtpSettings
from appliance.storage.tables import MailOutboxRow, SmtpSettingsRow

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


def _mail(row: MailOutboxRow) -> Mail:
    return Mail(id=row.id, to_address=row.to_address, subject=row.subject, body=row.body,
                status=row.status, attempts=row.attempts, last_error=row.last_error,
                created_at=row.created_at, next_attempt_at=row.next_attempt_at,
                sent_at=row.sent_at)


def enqueue(to_address: str, subject: str, body: str, now: datetime) -> Mail:
    """Queue a mail in the caller's transaction: it commits with the change it reports."""
    return _mail(MailOutboxRow.create(to_address=to_address, subject=subject, body=body,
                                      status=QUEUED, attempts=0, last_error="",
                                      created_at=now, next_attempt_at=now))


def get_mail(mail_id: int) -> Mail:
    row = MailOutboxRow.get_or_none(MailOutboxRow.id == mail_id)
    if row is None:
        raise NotFound("No such mail")
    return _mail(row)


def due(now: datetime, limit: int) -> list[Mail]:
    query = (MailOutboxRow.select()
             .where((MailOutboxRow.status == QUEUED) & (MailOutboxRow.next_attempt_at <= now))
             .order_by(MailOutboxRow.next_attempt_at, MailOutboxRow.id).limit(limit))
    return [_mail(r) for r in query]


def list_mail(limit: int) -> list[Mail]:
    return [_mail(r) for r in MailOutboxRow.select().order_by(MailOutboxRow.id.desc())
            .limit(limit)]


def mark_sent(mail_id: int, now: datetime) -> None:
    MailOutboxRow.update(status=SENT, sent_at=now, last_error="",
                         attempts=MailOutboxRow.attempts + 1).where(
        MailOutboxRow.id == mail_id).execute()


def mark_attempt_failed(mail_id: int, error: str, next_attempt_at: datetime | None) -> None:
    """Record a failed attempt; without a next attempt the mail is given up."""
    fields = {"attempts": MailOutboxRow.attempts + 1, "last_error": error[:1000]}
    if next_attempt_at is None:
        fields["status"] = FAILED
    else:
        fields["next_attempt_at"] = next_attempt_at
    MailOutboxRow.update(**fields).where(MailOutboxRow.id == mail_id).execute()
