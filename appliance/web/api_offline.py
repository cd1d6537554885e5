"""Handlers of the offline path (leave a message, close, rating, transcript) and the SMTP
settings with their test mail."""

from __future__ import annotations

import logging

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json

from appliance.services import mail, offline
from appliance.services.blocks import block_of
from appliance.services.participants import check_not_blocked
from appliance.web.api_widget import (
    BLOCKED,
    visitor_side,
    widget_availability,
    widget_preflight,
)
from appliance.web.http import read_json, read_nothing, require_principal, services
from appliance.wire.conversations import visitor_conversation_json
from appliance.wire.mail import mail_json, smtp_json

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
    read_nothing(request)
    side.count("poll")
    found = await widget_availability(request, side.site)
    if await block_of(services(request), side.site, side.visitor.id, side.address):
        found = {**found, "mode": BLOCKED}
    return json({"availability": found})


@bp.post("/widget/leave-message")
async def leave_message(request: Request) -> HTTPResponse:
    side = await visitor_side(request)
    await check_not_blocked(services(request), side.site, side.visitor.id, side.address)
    left = await offline.check_leave_message(services(request), side.visitor, side.site,
                                             read_json(request), side.address)
    return json({"conversation": visitor_conversation_json(left.conversation),
                 "message_id": left.message.id}, status=201, ensure_ascii=False)


@bp.post("/widget/close")
async def close(request: Request) -> HTTPResponse:
    side = await visitor_side(request)
    side.count("signal")
    closed = await offline.check_visitor_close(services(request), side.visitor,
                                               read_json(request))
    return json({"conversation": visitor_conversation_json(closed)})


@bp.post("/widget/rating")
async def rating(request: Request) -> HTTPResponse:
    side = await visitor_side(request)
    side.count("signal")
    rated = await offline.check_rating(services(request), side.visitor, read_json(request))
    return json({"rating": rated.rating, "comment": rated.rating_comment}, ensure_ascii=False)


@bp.post("/widget/transcript")
async def transcript(request: Request) -> HTTPResponse:
    side = await visitor_side(request)
    email = await offline.check_transcript(services(request), side.visitor, side.site,
                                           read_json(request), side.address)
    return json({"queued": True, "email": email}, status=202)


@bp.get("/settings/smtp")
async def get_smtp(request: Request) -> HTTPResponse:
    actor = (await require_principal(request)).user
    return json({"smtp": smtp_json(await mail.access_smtp(services(request), actor))})


@bp.get("/settings/outbox")
async def get_outbox(request: Request) -> HTTPResponse:
    actor = (await require_principal(request)).user
    counts, undelivered = await mail.mail_status(services(request), actor)
    return json({"mail": {**counts, "undelivered": [mail_json(m) for m in undelivered]}},
                ensure_ascii=False)


@bp.put("/settings/smtp")
async def put_smtp(request: Request) -> HTTPResponse:
    actor = (await require_principal(request)).user
    saved = await mail.check_save_smtp(services(request), actor, read_json(request))
    return json({"smtp": smtp_json(saved)})


@bp.post("/settings/smtp/test")
async def test_smtp(request: Request) -> HTTPResponse:
    actor = (await require_principal(request)).user
    result = await mail.check_test_mail(services(request), request.app.ctx.runtime.outbox, actor,
                                        read_json(request))
    return json({"sent": result.sent, "error": result.error or None,
                 "mail": mail_json(result.mail)}, ensure_ascii=False)


