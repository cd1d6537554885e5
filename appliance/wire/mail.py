"""SMTP settings (never the password) and queued mails."""

from __future__ import annotations

from typing import Any

from appliance.domain.mail import Mail, SmtpSettings
from appliance.wire import timestamp


def smtp_json(settings: SmtpSettings | None) -> dict[str, Any] | None:
    if settings is None:
        return None
    return {"host": settings.host, "port": settings.port, "security": settings.security,
            "username": settings.username, "from_address": settings.from_address,
            "has_password": bool(settings.password)}


def mail_json(found: Mail) -> dict[str, Any]:
    return {"id": found.id, "to": found.to_address, "subject": found.subject,
            "status": found.status, "attempts": found.attempts,
            "last_error": found.last_error, "created_at": timestamp(found.created_at),
            "next_attempt_at": None if found.status != "queued"
            else timestamp(found.next_attempt_at),
            "sent_at": timestamp(found.sent_at)}
