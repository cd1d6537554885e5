"""Handlers of the offline path (leave a message, close, rating, transcript), SMTP settings,
and the background mail sender and missed-chat sweep."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from sanic import Blueprint, Request, Sanic
from sanic.response import HTTPResponse, json

from appliance.domain.events import Event, EventSink
from appliance.domain.mail import Mail, SmtpSettings
from appliance.realtime.frames import timestamp, visitor_conversation_json
from appliance.services import mail, offline
from appliance.services.mail import MailSender
from appliance.services.offline import MissedChats, ReplyMailer
from appliance.web.api_widget import visitor_side, widget_availability, widget_preflight
from appliance.web.http import read_json, require_principal, services

bp = Blueprint("offline", url_prefix="/api")
log = logging.getLogger(__name__)
MISSED_SWEEP_SECONDS = 10
WIDGET_PATHS = ("leave-message", "close", "rating", "transcript", "availability")

for _path in WIDGET_PATHS:
    bp.add_route(widget_preflight, f"/widget/{_path}", methods=["OPTIONS"],
                 name=f"offline_preflight_{_path.replace('-', '_')}")


@bp.post("/widget/availability")
async def availability(request: Request) -> HTTPResponse:
    side = await visitor_side(request)
    return json({"availability": await widget_availability(request, side.site)})


@bp.post("/widget/leave-message")
async def leave_message(request: Request) -> HTTPResponse:
    side = await visitor_side(request)
    left = await offline.check_leave_message(services(request), side.visitor, side.site,
                                             read_json(request))
    _wake_sender(request)
    return json({"conversation": visitor_conversation_json(left.conversation),
                 "message_id": left.message.id}, status=201, ensure_ascii=False)


@bp.post("/widget/close")
async def close(request: Request) -> HTTPResponse:
    side = await visitor_side(request)
    closed = await offline.check_visitor_close(services(request), side.visitor,
                                               read_json(request))
    return json({"conversation": visitor_conversation_json(closed)})


@bp.post("/widget/rating")
async def rating(request: Request) -> HTTPResponse:
    side = await visitor_side(request)
    rated = await offline.check_rating(services(request), side.visitor, read_json(request))
    return json({"rating": rated.rating, "comment": rated.rating_comment}, ensure_ascii=False)


@bp.post("/widget/transcript")
async def transcript(request: Request) -> HTTPResponse:
    side = await visitor_side(request)
    await offline.check_transcript(services(request), side.visitor, side.site,
                                   read_json(request))
    _wake_sender(request)
    return json({"queued": True}, status=202)


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
            "sent_at": timestamp(found.sent_at)}


@bp.get("/settings/smtp")
async def get_smtp(request: Request) -> HTTPResponse:
    actor = (await require_principal(request)).user
    return json({"smtp": smtp_json(await mail.access_smtp(services(request), actor))})


@bp.put("/settings/smtp")
async def put_smtp(request: Request) -> HTTPResponse:
    actor = (await require_principal(request)).user
    saved = await mail.check_save_smtp(services(request), actor, read_json(request))
    _wake_sender(request)  # mail waiting for a configured server can go now
    return json({"smtp": smtp_json(saved)})


@bp.post("/settings/smtp/test")
async def test_smtp(request: Request) -> HTTPResponse:
    actor = (await require_principal(request)).user
    result = await mail.check_test_mail(services(request), request.app.ctx.mail_sender, actor,
                                        read_json(request))
    return json({"sent": result.sent, "error": result.error or None,
                 "mail": mail_json(result.mail)}, ensure_ascii=False)


def _wake_sender(request: Request) -> None:
    sender = getattr(request.app.ctx, "mail_sender", None)
    if sender is not None:
        sender.wake()


class FanOut:
    """Hands every event to several sinks (the hub first)."""

    def __init__(self, *sinks: EventSink) -> None:
        self.sinks = sinks

    def publish(self, events: list[Event]) -> None:
        for sink in self.sinks:
            sink.publish(events)


async def _sweep_missed(missed: MissedChats) -> None:
    while True:
        try:
            await missed.sweep()
        except Exception:
            log.exception("missed-chat sweep failed")
        await asyncio.sleep(MISSED_SWEEP_SECONDS)


async def start_background(app: Sanic) -> None:
    """The mail sender, the reply mailer (an event sink) and the missed-chat sweep."""
    runtime = app.ctx.runtime
    svc, hub, config = runtime.services, runtime.hub, runtime.config
    sender = MailSender(svc, retry_seconds=config.mail_retry_seconds)
    app.ctx.mail_sender = sender
    svc.events = FanOut(svc.events, ReplyMailer(svc, hub.visitor_online, sender.wake))
    missed = MissedChats(svc, hub.visitor_online, config.missed_after_seconds)
    loop = asyncio.get_running_loop()
    app.ctx.offline_tasks = [loop.create_task(sender.run()),
                             loop.create_task(_sweep_missed(missed))]


async def stop_background(app: Sanic) -> None:
    for task in getattr(app.ctx, "offline_tasks", []):
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
