"""Outgoing mail: SMTP settings rules, safe headers from untrusted text, and mails as items
of the outbox (kind "mail")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from appliance.domain import validation as v
from appliance.domain.errors import Invalid
from appliance.domain.outbox import OutboxItem

SECURITY = ("none", "starttls", "tls")
SUBJECT_MAX = 200
MAIL = "mail"  # the outbox kind


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    port: int
    security: str
    username: str
    password: str
    from_address: str


@dataclass(frozen=True, slots=True)
class Mail:
    id: int
    to_address: str
    subject: str
    body: str
    status: str
    attempts: int
    last_error: str
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None
    # Files made when the mail is sent (the payload stays small): each a small spec such as
    # {"kind": "report", "company_id": 1, "start": "2026-11-30", "end": "2026-12-07", "name"}.
    attachments: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class MailFile:
    name: str
    data: bytes
    mime: str  # e.g. application/vnd.openxmlformats-officedocument.spreadsheetml.sheet


def mail_payload(to_address: str, subject: str, body: str,
                 attachments: tuple[dict[str, Any], ...] = (),
                 about_visitor: int | None = None) -> dict[str, Any]:
    """An outbox payload; the subject is flattened to one safe header line here. The address
    is one plain address (never a list of recipients). `about_visitor`: the visitor whose
    words or address it carries (their erasure or purge deletes it)."""
    if not v.is_email(to_address):
        raise Invalid("not one valid e-mail address", field="to")
    payload: dict[str, Any] = {"to": to_address, "subject": header_text(subject), "body": body}
    if attachments:
        payload["attachments"] = list(attachments)
    if about_visitor is not None:
        payload["visitor_id"] = about_visitor
    return payload


def mail_of(item: OutboxItem) -> Mail:
    payload = item.payload
    return Mail(id=item.id, to_address=payload["to"], subject=payload["subject"],
                body=payload["body"], status=item.status, attempts=item.attempts,
                last_error=item.last_error, created_at=item.created_at,
                next_attempt_at=item.next_attempt_at, sent_at=item.sent_at,
                attachments=tuple(payload.get("attachments", ())))


def header_text(text: str, max_len: int = SUBJECT_MAX) -> str:
    """One line for a header: no CR/LF or other control characters, bounded length."""
    flat = "".join(ch if ch.isprintable() else " " for ch in text)
    return " ".join(flat.split())[:max_len]


def clean_smtp_settings(data: Any, current: SmtpSettings | None) -> SmtpSettings:
    """Settings from the admin form; a missing or null password keeps the stored one."""
    body = v.only_fields(data, ("host", "port", "security", "username", "password",
                                "from_address"))
    host = v.clean_name(body.get("host"), "host", max_len=253)
    if any(ch.isspace() or ch in "/@" for ch in host):
        raise Invalid("host must be a host name or address", field="host")
    port = body.get("port")
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise Invalid("port must be 1-65535", field="port")
    password = body.get("password")
    if password is None:
        password = current.password if current else ""
    elif not isinstance(password, str) or len(password) > 500:
        raise Invalid("password must be text of at most 500 characters", field="password")
    return SmtpSettings(
        host=host, port=port,
        security=v.clean_choice(body.get("security", "starttls"), "security", SECURITY),
        username=v.clean_name(body.get("username", ""), "username", max_len=200,
                              allow_empty=True),
        password=password,
        from_address=v.clean_email(body.get("from_address"), "from_address"))


def build_message(settings: SmtpSettings, mail: Mail,
                  files: tuple[MailFile, ...] = ()) -> EmailMessage:
    """A plain-text message (with files attached); EmailMessage refuses header injection, and
    we flatten anyway."""
    message = EmailMessage()
    message["From"] = header_text(settings.from_address)
    message["To"] = header_text(mail.to_address)
    message["Subject"] = header_text(mail.subject)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.from_address.rpartition("@")[2] or None)
    message.set_content(mail.body)
    for file in files:
        main, _, sub = file.mime.partition("/")
        message.add_attachment(file.data, maintype=main, subtype=sub,
                               filename=header_text(file.name, 100))
    return message
