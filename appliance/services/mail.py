"""Outgoing mail: SMTP settings, and the sender that drains the outbox with retries."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import smtplib
import ssl
from dataclasses import dataclass
from typing import Any

from appliance.domain import validation as v
from appliance.domain.errors import Invalid
from appliance.domain.mail import (
    SENT,
    Mail,
    SmtpSettings,
    build_message,
    clean_smtp_settings,
    header_text,
    retry_at,
    should_give_up,
)
from appliance.domain.model import User
from appliance.domain.permissions import require_install_manager
from appliance.services.context import Services
from appliance.storage import mail as store

log = logging.getLogger(__name__)
SMTP_TIMEOUT_SECONDS = 20
BATCH = 20


@dataclass(frozen=True, slots=True)
class SendResult:
    mail: Mail
    sent: bool
    error: str


def deliver(settings: SmtpSettings, mail: Mail, timeout: float = SMTP_TIMEOUT_SECONDS) -> None:
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
        smtp.send_message(build_message(settings, mail))


class MailSender:
    """Drains the outbox: on a timer, when woken after a mail was queued, and on demand.
    A mail leaves the queue only when the server accepted it or after ~24 h of failures."""

    def __init__(self, svc: Services, retry_seconds: float, poll_seconds: float = 30) -> None:
        self.svc = svc
        self.retry_seconds = retry_seconds
        self.poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()  # one delivery at a time: no mail is sent twice

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        while True:
            try:
                await self.send_due()
            except Exception:
                log.exception("mail sender failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(),
                                       min(self.poll_seconds, self.retry_seconds))
            self._wake.clear()

    async def send_due(self) -> list[SendResult]:
        results = []
        for mail in await self.svc.db.read(store.due, self.svc.now(), BATCH):
            results.append(await self.attempt(mail.id))
        return results

    async def attempt(self, mail_id: int) -> SendResult:
        async with self._lock:
            mail = await self.svc.db.read(store.get_mail, mail_id)
            if mail.status == SENT:
                return SendResult(mail, True, "")
            settings = await self.svc.db.read(store.get_smtp)
            error = "SMTP is not configured" if settings is None else ""
            if settings is not None:
                try:
                    await asyncio.to_thread(deliver, settings, mail)
                except (OSError, smtplib.SMTPException, ValueError) as exc:
                    error = f"{type(exc).__name__}: {exc}"
            now = self.svc.now()
            if not error:
                await self.svc.db.write(store.mark_sent, mail.id, now)
            else:
                retry = None if should_give_up(mail, now) else retry_at(
                    mail.attempts + 1, now, self.retry_seconds)
                await self.svc.db.write(store.mark_attempt_failed, mail.id, error, retry)
                log.warning("mail %d to %s not sent (%s)%s", mail.id, mail.to_address, error,
                            "" if retry else "; giving up")
            return SendResult(await self.svc.db.read(store.get_mail, mail.id), not error, error)


def queue_mail(to_address: str, subject: str, body: str, now: Any) -> Mail:
    """For write jobs: the mail commits with the change it reports (subjects flattened)."""
    return store.enqueue(to_address, header_text(subject), body, now)


async def access_smtp(svc: Services, actor: User) -> SmtpSettings | None:
    require_install_manager(actor)
    return await svc.db.read(store.get_smtp)


async def check_save_smtp(svc: Services, actor: User, data: Any) -> SmtpSettings:
    require_install_manager(actor)
    current = await svc.db.read(store.get_smtp)
    settings = clean_smtp_settings(data, current)
    return await svc.db.write(store.save_smtp, settings, svc.now())


async def check_test_mail(svc: Services, sender: MailSender, actor: User,
                          data: Any) -> SendResult:
    """Queue a test mail and try it at once; a failure stays queued for retries."""
    require_install_manager(actor)
    to = v.clean_email(v.only_fields(data, ("to",)).get("to"), "to")
    if await svc.db.read(store.get_smtp) is None:
        raise Invalid("Save the SMTP settings first", field="host")
    mail = await svc.db.write(queue_mail, to, "Kefu test mail / 测试邮件",
                              "This is a test mail from Kefu.\n这是一封来自客服系统的测试邮件。\n",
                              svc.now())
    return await sender.attempt(mail.id)
