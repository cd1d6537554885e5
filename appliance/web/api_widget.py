"""Handlers for the visitor widget: session, send, long-poll, read, typing, uploads (CORS)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any
from urllib.parse import quote

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json, raw

from appliance.domain import validation as v
from appliance.domain.conversations import VISITOR
from appliance.domain.errors import Invalid
from appliance.domain.model import Site
from appliance.realtime.connection import PollWaiter
from appliance.services import bot_chat, routing, uploads
from appliance.services.availability import availability_of
from appliance.services.participants import VisitorSide, check_not_blocked
from appliance.services.sites import company_name
from appliance.services.visitors import access_visitor, check_start_session
from appliance.web import conversation_frames
from appliance.web.errors import error_response
from appliance.web.http import (
    client_ip,
    own_origin,
    read_json,
    require_principal,
    services,
    uploaded_file,
)
from appliance.wire.conversations import (
    attachment_json,
    visitor_conversation_json,
    visitor_self_json,
)
from appliance.wire.frames import ack_frame
from appliance.wire.sites import availability_json, widget_site_json

bp = Blueprint("widget", url_prefix="/api")
POLL_MAX_SECONDS = 30
BLOCKED = "blocked"  # availability.mode of a blocked visitor
CORS_PATHS = ("/api/widget/", "/api/attachments/")


def add_cors_headers(request: Request, response: HTTPResponse) -> None:
    """Widget calls come from the customer's website. Any origin may ask; the origin is then
    checked against the site's allowed origins by the service, and no cookies are involved."""
    if not request.path.startswith(CORS_PATHS):
        return
    origin = request.headers.get("origin")
    if origin:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Vary"] = "Origin"
        response.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
        response.headers["Access-Control-Allow-Methods"] = "GET, POST"
        response.headers["Access-Control-Max-Age"] = "600"
        # A widget told to slow down (429) may read how long to wait.
        response.headers["Access-Control-Expose-Headers"] = "Retry-After"


async def widget_preflight(request: Request) -> HTTPResponse:
    """CORS preflight; the headers come from add_cors_headers."""
    return HTTPResponse(status=204)


# One OPTIONS route per path: the router answers 405 for a path it knows (with POST only)
# before a catch-all `/widget/<path:path>` route is ever tried.
for _path in ("session", "send", "poll", "read", "typing", "upload", "handover", "vote"):
    bp.add_route(widget_preflight, f"/widget/{_path}", methods=["OPTIONS"],
                 name=f"widget_preflight_{_path}")


@bp.options("/attachments/<attachment_id:int>")
async def attachment_preflight(request: Request, attachment_id: int) -> HTTPResponse:
    del attachment_id
    return HTTPResponse(status=204)


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


async def visitor_side(request: Request) -> VisitorSide:
    svc = services(request)
    visitor, site = await access_visitor(svc, _bearer(request), request.headers.get("origin"),
                                         own_origin(request))
    return VisitorSide(svc, visitor, site, client_ip(request))


@bp.post("/widget/session")
async def start_session(request: Request) -> HTTPResponse:
    session = await check_start_session(
        services(request), read_json(request), origin=request.headers.get("origin"),
        own_origin=own_origin(request), user_agent=request.headers.get("user-agent", ""),
        address=client_ip(request))
    site = session.site
    svc = services(request)
    name = site.display_name or await company_name(svc, site.company_id)
    availability = await widget_availability(request, site)
    bot = await bot_chat.widget_bot(svc, site)
    if session.blocked:  # shown like the offline state; the visitor is not told why
        availability = {**availability, "mode": BLOCKED}
    return json({
        "visitor_token": session.token,
        "visitor": None if session.visitor is None else visitor_self_json(session.visitor),
        "site": widget_site_json(site, name, await routing.categories(svc, site.id)),
        "conversation": None if session.conversation is None
        else visitor_conversation_json(session.conversation),
        "queue": await _queue_json(request, session.conversation),
        "availability": availability,
        "bot": bot,
    }, ensure_ascii=False)


async def _queue_json(request: Request, conversation: Any) -> dict[str, int] | None:
    """Where a waiting visitor stands, so a reload shows it at once."""
    if conversation is None or conversation.assignee_id is not None:
        return None
    found = await routing.queue_position(services(request), conversation)
    return None if found is None else {"position": found[0],
                                       "estimated_wait_seconds": found[1]}


async def widget_availability(request: Request, site: Site) -> dict[str, Any]:
    """Chat, leave_message or hidden, right now (see services/availability.py). An agent is
    online when present at a console (busy and away included: the chat then queues), with
    the reload grace of realtime/presence.py."""
    svc = services(request)
    found = await availability_of(svc, site,
                                  lambda user_id: svc.presence.status(user_id) != "offline")
    answer = availability_json(found)
    if answer["mode"] != "chat" and await bot_chat.widget_bot(svc, site) is not None:
        answer["mode"] = "chat"  # the site's bot answers meanwhile (and hands over to a form)
    return answer


@bp.post("/widget/send")
async def send(request: Request) -> HTTPResponse:
    side = await visitor_side(request)
    sent = await side.send(read_json(request))
    return json(ack_frame(sent.message))


@bp.post("/widget/handover")
async def handover(request: Request) -> HTTPResponse:
    side = await visitor_side(request)
    turn = await side.handover(read_json(request))
    return json({"conversation": visitor_conversation_json(turn.conversation)},
                ensure_ascii=False)


@bp.post("/widget/vote")
async def vote(request: Request) -> HTTPResponse:
    side = await visitor_side(request)
    voted, turn = await side.vote(read_json(request))
    return json({"vote": voted.vote,
                 "conversation": visitor_conversation_json(turn.conversation)},
                ensure_ascii=False)


@bp.post("/widget/read")
async def read(request: Request) -> HTTPResponse:
    side = await visitor_side(request)
    body = v.only_fields(read_json(request), ("conversation_id", "seq"))
    frames: list[dict[str, Any]] = []
    await conversation_frames.handle(side, {"type": "read", **body}, frames.append)
    return _result(frames)


@bp.post("/widget/typing")
async def typing(request: Request) -> HTTPResponse:
    side = await visitor_side(request)
    body = v.only_fields(read_json(request), ("conversation_id", "typing", "draft"))
    frames: list[dict[str, Any]] = []
    await conversation_frames.handle(side, {"type": "typing", **body}, frames.append)
    return _result(frames)


def _result(frames: list[dict[str, Any]]) -> HTTPResponse:
    """The error frame of a read/typing request as an HTTP error, else ok."""
    for frame in frames:
        if frame.get("type") == "error":
            error = frame["error"]
            status = {"forbidden": 403, "not_found": 404, "rate_limited": 429}.get(
                error["code"], 400)
            return error_response(status, error["code"], error["message"], error.get("field"),
                                  error.get("retry_after"))
    return json({"ok": True})


def _cursors(value: Any) -> dict[int, int]:
    if not isinstance(value, dict) or len(value) > 50:
        raise Invalid("cursors must be an object of at most 50 conversations", field="cursors")
    cursors = {}
    for key, seq in value.items():
        if isinstance(seq, bool) or not isinstance(seq, int):
            raise Invalid("cursors map conversation ids to sequence numbers", field="cursors")
        cursors[v.clean_digits(key, "cursors", 1, v.ID_MAX)] = seq
    return cursors


@bp.post("/widget/poll")
async def poll(request: Request) -> HTTPResponse:
    """Long-poll: the frames a socket would have pushed after the given cursors."""
    side = await visitor_side(request)
    side.count("poll")
    body = v.only_fields(read_json(request), ("cursors", "timeout"))
    cursors = _cursors(body.get("cursors", {}))
    timeout = body.get("timeout", 25)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout < 0:
        raise Invalid("timeout must be a number of seconds", field="timeout")
    hub = request.app.ctx.runtime.hub
    waiter = PollWaiter(visitor_id=side.visitor.id)
    hub.register(waiter)  # before reading, so nothing committed meanwhile is missed
    try:
        frames: list[dict[str, Any]] = []
        for conversation_id, after in cursors.items():
            await conversation_frames.push_sync(side, conversation_id, after, frames.append)
        if not any(f["type"] in ("message", "reset") for f in frames):
            with contextlib.suppress(TimeoutError):  # (asyncio.timeout: see Connection.room)
                async with asyncio.timeout(min(timeout, POLL_MAX_SECONDS)):
                    await waiter.arrived.wait()
        frames.extend(waiter.frames)
    finally:
        hub.unregister(waiter)
        hub.poll_answered(side.visitor.id)
    return json({"events": _dedupe(frames)}, ensure_ascii=False)


def _dedupe(frames: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[tuple[int, int]] = set()
    result = []
    for frame in frames:
        if frame["type"] == "message":
            key = (frame["conversation_id"], frame["seq"])
            if key in seen:
                continue
            seen.add(key)
        result.append(frame)
    return result


@bp.post("/widget/upload")
async def upload(request: Request) -> HTTPResponse:
    side = await visitor_side(request)
    await check_not_blocked(services(request), side.site, side.visitor.id, side.address)
    attachment = await uploads.check_upload(
        services(request), request.app.ctx.runtime.uploads_dir, site_id=side.site.id,
        uploader_type=VISITOR, uploader_id=side.visitor.id, **uploaded_file(request),
        max_bytes=request.app.ctx.runtime.config.upload_max_bytes, address=side.address)
    return json({"attachment": attachment_json(attachment)}, ensure_ascii=False)


@bp.get("/attachments/<attachment_id:int>")
async def attachment(request: Request, attachment_id: int) -> HTTPResponse:
    """Files go to the conversation's visitor (Bearer) and agents of its site (cookie)."""
    svc = services(request)
    if _bearer(request) is not None:
        side = await visitor_side(request)
        found = await uploads.access_visitor_attachment(svc, side.visitor, attachment_id)
    else:
        principal = await require_principal(request)
        found = await uploads.access_agent_attachment(svc, principal.user, attachment_id)
    disposition = "inline" if found.kind == "image" else "attachment"
    headers = {
        "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(found.name)}",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox; default-src 'none'",
        # Asked again each time (an erased file must not live on in a browser's cache for a
        # day); the answer is a cheap 304 while the file is the same.
        "Cache-Control": "private, no-cache",
        "ETag": f'"{found.storage_name}"',
        "Cross-Origin-Resource-Policy": "cross-origin",
    }
    if request.headers.get("if-none-match") == headers["ETag"]:
        return HTTPResponse(status=304, headers=headers)
    data = await uploads.attachment_bytes(request.app.ctx.runtime.uploads_dir, found)
    return raw(data, content_type=found.mime, headers=headers)
