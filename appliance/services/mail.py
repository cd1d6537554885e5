"""Outgoing mail: SMTP settings, the test mail, and delivering mails from the outbox."""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from appliance.domain import validation as v
from appliance.domain.errors import Invalid
from appliance.domain.events import OutboxChanged
from appliance.domain.mail import (
    MAIL,
    Mail,
    MailFile,
    SmtpSettings,
    build_message,
    clean_smtp_settings,
    mail_of,
)
from appliance.domain.model import User
from appliance.domain.outbox import OutboxItem
from appliance.domain.permissions import require_install_manager
from appliance.services.context import Services, on_writer
from appliance.services.outbox import DeliveryFailed, OutboxDispatcher
from appliance.storage import mail as store
from appliance.storage.database import Database

SMTP_TIMEOUT_SECONDS = 20


@dataclass(frozen=True, slots=True)
class SendResult:
    mail: Mail
    sent: bool
    error: str


# Makes the file an attachment spec stands for, when the mail is sent.
AttachmentMaker = Callable[[dict[str, Any]], Awaitable[MailFile]]


def deliver(settings: SmtpSettings, mail: Mail, timeout: float = SMTP_TIMEOUT_SECONDS,
            files: tuple[MailFile, ...] = ()) -> None:
    """Hand one mail to the SMTP server (blocking: run it in a thread)."""
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if settings.security == "tls":
        smtp = smtplib.SMTP_SSL(settings.host, settings.port, timeout=timeout, context=context)
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
    with smtp:
        if settings.security == "starttls":
            smtp.starttls(context=context)
        if settings.username:
            smtp.login(settings.username, settings.password)
        # One envelope recipient, whatever a header might be parsed into.
        smtp.send_message(build_message(settings, mail, files), to_addrs=[mail.to_address])


class MailDelivery:
    """Delivers outbox items of kind "mail" through the configured SMTP server; attachments
    are made at delivery time by `attachments` (reports: services/reports.py)."""

    def __init__(self, db: Database, attachments: AttachmentMaker | None = None) -> None:
        self.db = db
        self.attachments = attachments

    async def deliver(self, item: OutboxItem) -> None:
        settings = await self.db.read(store.get_smtp)
        if settings is None:
            raise DeliveryFailed("SMTP is not configured")
        mail = mail_of(item)
        files: list[MailFile] = []
        for spec in mail.attachments:
            if self.attachments is None:
                raise DeliveryFailed("nothing makes this mail's attachments")
            try:
                files.append(await self.attachments(spec))
            except Exception as exc:  # a broken spec must not stop the rest of the outbox
                raise DeliveryFailed(f"attachment: {type(exc).__name__}: {exc}") from exc
        try:
            await asyncio.to_thread(deliver, settings, mail, SMTP_TIMEOUT_SECONDS, tuple(files))
        except (OSError, smtplib.SMTPException, ValueError) as exc:
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc


async def access_smtp(svc: Services, actor: User) -> SmtpSettings | None:
    require_install_manager(actor)
    return await svc.db.read(store.get_smtp)


UNDELIVERED_LISTED = 50


async def mail_status(svc: Services, actor: User) -> tuple[dict[str, int], list[Mail]]:
    """How the outbox's mails stand, for the owner: an SMTP server that refuses shows here
    (and on the console's mail page), not only in the server's log."""
    require_install_manager(actor)
    return await svc.db.read(store.mail_status, UNDELIVERED_LISTED)


async def check_save_smtp(svc: Services, actor: User, data: Any) -> SmtpSettings:
    require_install_manager(actor)
    current = await svc.db.read(store.get_smtp)
    settings = clean_smtp_settings(data, current)
    # Mail that waited for a configured server may go now.
    now = svc.now()
    return await svc.commit(on_writer(store.save_smtp, settings, now),
                            lambda _: [OutboxChanged(MAIL)])


async def check_test_mail(svc: Services, outbox: OutboxDispatcher, actor: User,
                          data: Any) -> SendResult:
    """Queue a test mail and try it at once; a failure stays queued for retries."""
    require_install_manager(actor)
    to = v.clean_email(v.only_fields(data, ("to",)).get("to"), "to")
    if await svc.db.read(store.get_smtp) is None:
        raise Invalid("Save the SMTP settings first", field="host")
    mail = await svc.db.write(store.enqueue_mail, to, "Kefu test mail / 测试邮件",
                              "This is a test mail from Kefu.\n这是一封来自客服系统的测试邮件。\n",
                              svc.now())
    attempt = await outbox.attempt(mail.id)
    return SendResult(mail_of(attempt.item), attempt.sent, attempt.error)
